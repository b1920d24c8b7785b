package dev.policyc.compiler.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.policyc.compiler.ipvs.ForwardMethod;
import dev.policyc.compiler.ipvs.IpvsProtocol;
import dev.policyc.compiler.ipvs.RealServer;
import dev.policyc.compiler.ipvs.SchedFlags;
import dev.policyc.compiler.ipvs.Scheduler;
import dev.policyc.compiler.ipvs.VirtualService;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every scheduler against known sequences: the worked examples of
 * {@code reference/ipvs-and-kube-proxy.md} §3 (wrr's add-order dependence, sh's and dh's
 * buckets, mh's offsets, skips and slot counts) and sequences derived step by step from the
 * kernel's code for the others (each scheduled connection stays active). Servers are named by
 * letter: A is 10.0.0.1, B 10.0.0.2, C 10.0.0.3; each test says the add order, since the
 * kernel's list is its reverse.
 */
class SchedulerSequencesTest {
  private static final IpAddr VIP = IpAddr.parse("192.0.2.1");

  /** Servers {@code "A4 B3 C2"} (letter and weight) added in that order. */
  private static IpvsScheduler sched(Scheduler s, int flags, String added) {
    List<RealServer> reals = new ArrayList<>();
    for (String w : added.split(" ")) {
      reals.add(new RealServer(letter(w.charAt(0)), 80, Integer.parseInt(w.substring(1)),
          ForwardMethod.MASQ, 0, 0));
    }
    return new IpvsScheduler(new VirtualService(IpvsProtocol.TCP, VIP, 80, 0, Family.IPV4, s,
        flags, null, false, reals, null));
  }

  private static IpAddr letter(char c) {
    return IpAddr.parse("10.0.0." + (c - 'A' + 1));
  }

  private static String name(IpvsScheduler.Dest d) {
    return d == null ? "-" : String.valueOf((char) ('A' + d.server().address().word32(0) - 0x0a000001));
  }

  /** {@code n} new connections from one client. */
  private static String run(IpvsScheduler s, int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sb.append(name(s.schedule(IpAddr.parse("198.51.100.7"), 40000 + i, VIP, 0)));
    }
    return sb.toString();
  }

  @Test
  void wrrDependsOnTheAddOrder() {
    // reference §3.1: added A, B, C → list C, B, A, cw 1 after the adds
    assertEquals("CBAABACBACBA", run(sched(Scheduler.WRR, 0, "A4 B3 C2"), 12));
    // added C, B, A → list A, B, C
    assertEquals("ABCAABABCABC", run(sched(Scheduler.WRR, 0, "C2 B3 A4"), 12));
    assertEquals("ABCABCABC", run(sched(Scheduler.WRR, 0, "C1 B1 A1"), 9));
    // gcd 2: cw stays 1 through the adds, then steps 3, 1: the cycle AABC, shifted
    assertEquals("ABCAABCAABCA", run(sched(Scheduler.WRR, 0, "C2 B2 A4"), 12));
    assertEquals("BAAAAABAAAAA", run(sched(Scheduler.WRR, 0, "A5 B1"), 12));
    assertEquals("BABABA", run(sched(Scheduler.WRR, 0, "C0 A3 B3"), 6));
  }

  @Test
  void rrWalksTheListSkippingWeightZero() {
    assertEquals("CBACBA", run(sched(Scheduler.RR, 0, "A1 B1 C1"), 6));
    assertEquals("CACA", run(sched(Scheduler.RR, 0, "A1 B0 C1"), 4));
  }

  @Test
  void leastConnectionSchedulers() {
    assertEquals("CBACBA", run(sched(Scheduler.LC, 0, "A1 B5 C1"), 6));
    assertEquals("BABBABBA", run(sched(Scheduler.WLC, 0, "A1 B2"), 8));
    assertEquals("BBABBA", run(sched(Scheduler.SED, 0, "A1 B2"), 6));
    assertEquals("BABBBA", run(sched(Scheduler.NQ, 0, "A1 B2"), 6));
  }

  @Test
  void failoverAndOverflow() {
    assertEquals("CCC", run(sched(Scheduler.FO, 0, "A1 B3 C3"), 3));
    assertEquals("BBB", run(sched(Scheduler.FO, 0, "A1 B3 C0"), 3));
    assertEquals("AAABB--", run(sched(Scheduler.OVF, 0, "A2 B1"), 7));
  }

  @Test
  void thresholdsHoldAnOverloadedServerBack() {
    List<RealServer> reals = List.of(
        new RealServer(letter('A'), 80, 1, ForwardMethod.MASQ, 2, 0),
        new RealServer(letter('B'), 80, 1, ForwardMethod.MASQ, 0, 0));
    IpvsScheduler s = new IpvsScheduler(new VirtualService(IpvsProtocol.TCP, VIP, 80, 0,
        Family.IPV4, Scheduler.RR, 0, null, false, reals, null));
    // list B, A; A takes 2 connections, then is overloaded at 2 ≥ upper
    assertEquals("BABABBB", run(s, 7));
  }

  @Test
  void lblcKeepsADestinationAddressOnOneServer() {
    IpvsScheduler s = sched(Scheduler.LBLC, 0, "A1 B1");
    IpAddr d1 = IpAddr.parse("203.0.113.1");
    IpAddr d2 = IpAddr.parse("203.0.113.2");
    IpAddr c = IpAddr.parse("198.51.100.7");
    assertEquals("B", name(s.schedule(c, 1, d1, 0)));
    assertEquals("A", name(s.schedule(c, 2, d2, 0)));
    assertEquals("B", name(s.schedule(c, 3, d1, 0)));
    assertEquals("A", name(s.schedule(c, 4, d2, 0)));
    IpvsScheduler r = sched(Scheduler.LBLCR, 0, "A1 B1");
    assertEquals("B", name(r.schedule(c, 1, d1, 0)));
    assertEquals("B", name(r.schedule(c, 2, d1, 0)));
  }

  @Test
  void shBucketsAsTheReference() {
    // reference §3.2: list A, B, C (added C, B, A), weights 1
    IpvsScheduler s = sched(Scheduler.SH, 0, "C1 B1 A1");
    assertEquals(39, IpvsScheduler.shBucket(IpAddr.parse("10.0.0.1"), 0, 0));
    assertEquals(137, IpvsScheduler.shBucket(IpAddr.parse("10.0.0.2"), 0, 0));
    assertEquals(248, IpvsScheduler.shBucket(IpAddr.parse("192.168.1.10"), 0, 0));
    assertEquals(0, IpvsScheduler.shBucket(IpAddr.parse("0.0.0.0"), 0, 0));
    assertEquals(134, IpvsScheduler.shBucket(IpAddr.parse("10.0.0.1"), 12345, 0));
    assertEquals(232, IpvsScheduler.shBucket(IpAddr.parse("10.0.0.1"), 12346, 0));
    assertEquals(78, IpvsScheduler.shBucket(IpAddr.parse("10.0.0.1"), 0, 39));
    assertEquals("A", name(s.schedule(IpAddr.parse("10.0.0.1"), 1, VIP, 0)));
    assertEquals("C", name(s.schedule(IpAddr.parse("10.0.0.2"), 1, VIP, 0)));
    assertEquals("C", name(s.schedule(IpAddr.parse("192.168.1.10"), 1, VIP, 0)));
    assertEquals("A", name(s.schedule(IpAddr.parse("0.0.0.0"), 1, VIP, 0)));
    assertEquals(List.of(171, 85), counts(sched(Scheduler.SH, 0, "B1 A2").shTable(), 2));
    assertEquals(List.of(116, 84, 56), counts(sched(Scheduler.SH, 0, "C2 B3 A4").shTable(), 3));
    assertEquals(List.of(86, 170), counts(sched(Scheduler.SH, 0, "B2 A0").shTable(), 2));
  }

  @Test
  void shWithoutFallbackRefusesAQuiescedBucketAndWithFallbackProbes() {
    // list A0, B1: A (weight 0) still takes every even bucket; 0.0.0.0's is 0
    assertNull(sched(Scheduler.SH, 0, "B1 A0").schedule(IpAddr.parse("0.0.0.0"), 1, VIP, 0));
    assertEquals("B", name(sched(Scheduler.SH, 0, "B1 A0")
        .schedule(IpAddr.parse("10.0.0.1"), 1, VIP, 0)));
    assertEquals("B", name(sched(Scheduler.SH, SchedFlags.SCHED1, "B1 A0")
        .schedule(IpAddr.parse("0.0.0.0"), 1, VIP, 0)));
  }

  @Test
  void dhHashesTheDestination() {
    IpvsScheduler s = sched(Scheduler.DH, 0, "C1 B1 A1");
    // 39 % 3 = 0 → A; 248 % 3 = 2 → C (one bucket per server, weights ignored)
    assertEquals("A", name(s.schedule(VIP, 1, IpAddr.parse("10.0.0.1"), 0)));
    assertEquals("C", name(s.schedule(VIP, 1, IpAddr.parse("192.168.1.10"), 0)));
  }

  @Test
  void mhAsTheReference() {
    // reference §3.4: A 10.0.0.1:80, B 10.0.0.2:80, C 10.0.0.3:80, list A, B, C
    assertEquals(3167, IpvsScheduler.mhHash(letter('A'), 80, IpvsScheduler.MH_KEY1, 0) % 4093);
    assertEquals(700, IpvsScheduler.mhHash(letter('A'), 80, IpvsScheduler.MH_KEY2, 0) % 4092 + 1);
    assertEquals(1231, IpvsScheduler.mhHash(letter('B'), 80, IpvsScheduler.MH_KEY1, 0) % 4093);
    assertEquals(3544, IpvsScheduler.mhHash(letter('B'), 80, IpvsScheduler.MH_KEY2, 0) % 4092 + 1);
    assertEquals(1631, IpvsScheduler.mhHash(letter('C'), 80, IpvsScheduler.MH_KEY1, 0) % 4093);
    assertEquals(3453, IpvsScheduler.mhHash(letter('C'), 80, IpvsScheduler.MH_KEY2, 0) % 4092 + 1);
    IpvsScheduler s = sched(Scheduler.MH, 0, "C1 B1 A1");
    assertEquals(List.of(1365, 1364, 1364), counts(s.mhTable(), 3));
    assertEquals(3323, IpvsScheduler.mhHash(IpAddr.parse("192.168.1.10"), 0,
        IpvsScheduler.MH_KEY1, 0) % 4093);
    assertEquals("A", name(s.schedule(IpAddr.parse("192.168.1.10"), 1, VIP, 0)));
    assertEquals("A", name(s.schedule(IpAddr.parse("10.1.2.3"), 1, VIP, 0)));
    assertEquals("C", name(s.schedule(IpAddr.parse("172.16.0.5"), 1, VIP, 0)));
    assertEquals(List.of(1820, 1365, 908), counts(sched(Scheduler.MH, 0, "C2 B3 A4").mhTable(),
        3));
  }

  @Test
  void twosTakesTheLessLoadedOfTwoWeightedDraws() {
    IpvsScheduler s = sched(Scheduler.TWOS, 0, "A1 B1");
    // list B, A; total 2 + 1; draws 1 and 2: B and A, both idle: the first draw's
    assertEquals("B", name(s.schedule(VIP, 1, VIP, 1 | (2 << 16))));
    // now B has one connection: A wins
    assertEquals("A", name(s.schedule(VIP, 1, VIP, 1 | (2 << 16))));
  }

  /** How many slots each list position owns. */
  private static List<Integer> counts(int[] table, int n) {
    int[] c = new int[n];
    for (int i : table) {
      c[i]++;
    }
    List<Integer> out = new ArrayList<>();
    for (int x : c) {
      out.add(x);
    }
    return out;
  }
}

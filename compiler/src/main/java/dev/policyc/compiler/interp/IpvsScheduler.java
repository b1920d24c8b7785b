package dev.policyc.compiler.interp;

import dev.policyc.compiler.ipvs.RealServer;
import dev.policyc.compiler.ipvs.SchedFlags;
import dev.policyc.compiler.ipvs.Scheduler;
import dev.policyc.compiler.ipvs.VirtualService;
import dev.policyc.compiler.ir.IpAddr;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One virtual service's scheduler with its explicit state, as the kernel keeps it
 * ({@code net/netfilter/ipvs/ip_vs_*.c}). The destination list is the kernel's: each real server
 * added goes to the head, so the list is the reverse of the add order. Every schedule of a new
 * connection counts one active connection on the server chosen ({@link Dest#active}); tests and
 * sessions may set the counts. See docs/ipvs.md, "Schedulers".
 */
public final class IpvsScheduler {
  /** sh and dh: 256 buckets (CONFIG_IP_VS_SH_TAB_BITS, CONFIG_IP_VS_DH_TAB_BITS = 8). */
  static final int TAB = 256;
  /** mh: primes[CONFIG_IP_VS_MH_TAB_INDEX - 8] for the default index 12. */
  static final int MH_SIZE = 4093;
  /** IP_VS_MH_TAB_BITS = IP_VS_MH_TAB_INDEX / 2. */
  static final int MH_BITS = 6;
  static final long MH_KEY1 = 2654435761L;
  static final long MH_KEY2 = 2654446892L;

  /** A real server in the kernel's list, with its connection counts. */
  public static final class Dest {
    final RealServer server;
    int weight;
    final int lastWeight;
    /** Active and inactive connections (the counts the least-connection schedulers read). */
    public int active;
    public int inactive;
    boolean overloaded;

    Dest(RealServer server) {
      this.server = server;
      this.weight = server.weight();
      this.lastWeight = server.weight();
    }

    public RealServer server() {
      return server;
    }

    /** ip_vs_dest_conn_overhead: active·256 + inactive. */
    int overhead() {
      return active * 256 + inactive;
    }

    /**
     * Whether the upper threshold holds it back: set at {@code active + inactive ≥ upper},
     * cleared below {@code lower}, or with no lower below ¾ of upper (ip_vs_core.c).
     */
    void updateOverload() {
      int upper = server.upper();
      if (upper == 0) {
        overloaded = false;
        return;
      }
      int conns = active + inactive;
      if (conns >= upper) {
        overloaded = true;
      } else if (overloaded) {
        int lower = server.lower();
        if (lower != 0 ? conns < lower : conns * 4 < upper * 3) {
          overloaded = false;
        }
      }
    }

    boolean unavailable() {
      return weight <= 0 || overloaded;
    }
  }

  private final VirtualService service;
  /** Head first: the reverse of the add order. */
  private final List<Dest> dests = new ArrayList<>();
  // rr
  private int rrLast = -1;
  // wrr
  private int wrrCl = -1;
  private int wrrCw;
  private int wrrDi = 1;
  private int wrrMw;
  // sh, dh, mh tables (indexes into dests; -1 empty)
  private int[] shTable;
  private int[] dhTable;
  private int[] mhTable;
  // lblc, lblcr: destination address → server(s)
  private final Map<IpAddr, Dest> lblc = new HashMap<>();
  private final Map<IpAddr, Set<Dest>> lblcr = new HashMap<>();

  /** The scheduler of {@code vs}, its real servers added in their order. */
  public IpvsScheduler(VirtualService vs) {
    this.service = vs;
    wrrInit();
    for (RealServer r : vs.reals()) {
      add(r);
    }
  }

  /** The kernel's list, head first. */
  public List<Dest> dests() {
    return List.copyOf(dests);
  }

  /** The server at {@code address:port}, or null. */
  public Dest dest(RealServer r) {
    for (Dest d : dests) {
      if (d.server.equals(r)) {
        return d;
      }
    }
    return null;
  }

  /** ip_vs_add_dest: at the head, then the scheduler's add_dest hook. */
  void add(RealServer r) {
    dests.add(0, new Dest(r));
    rrLast = -1;
    wrrUpdate();
    shTable = null;
    dhTable = null;
    mhTable = null;
  }

  /**
   * Chooses a real server for a new connection: {@code src}, {@code sport} of the client and
   * {@code dst} (the VIP); {@code random} the two draws of twos. Null when none is available.
   * The chosen server's active count grows by one.
   */
  public Dest schedule(IpAddr src, int sport, IpAddr dst, long random) {
    for (Dest d : dests) {
      d.updateOverload();
    }
    Dest d = pick(src, sport, dst, random);
    if (d != null) {
      d.active++;
    }
    return d;
  }

  private Dest pick(IpAddr src, int sport, IpAddr dst, long random) {
    switch (service.scheduler()) {
      case RR:
        return rr();
      case WRR:
        return wrr();
      case LC:
        return lc();
      case WLC:
        return weighted(dests, false);
      case SED:
        return weighted(dests, true);
      case NQ:
        return nq();
      case FO:
        return fo();
      case OVF:
        return ovf();
      case LBLC:
        return lblc(dst);
      case LBLCR:
        return lblcr(dst);
      case DH:
        return dh(dst);
      case SH:
        return sh(src, sport);
      case MH:
        return mh(src, sport);
      case TWOS:
        return twos(random);
      default:
        throw new AssertionError("scheduler " + service.scheduler());
    }
  }

  // ------------------------------------------------------------ rr, wrr

  /** ip_vs_rr_schedule: the next available server after the last one, wrapping. */
  private Dest rr() {
    int n = dests.size();
    for (int k = 1; k <= n; k++) {
      int i = (rrLast + k) % n;
      if (rrLast < 0) {
        i = k - 1;
      }
      Dest d = dests.get(i);
      if (!d.unavailable()) {
        rrLast = i;
        return d;
      }
    }
    return null;
  }

  private void wrrInit() {
    wrrDi = 1;
    wrrMw = 0;
    wrrCw = 0;
    wrrCl = -1;
  }

  /** ip_vs_wrr_dest_changed. */
  private void wrrUpdate() {
    int g = 0;
    int max = 0;
    for (Dest d : dests) {
      if (d.weight > 0) {
        g = g == 0 ? d.weight : gcd(g, d.weight);
        max = Math.max(max, d.weight);
      }
    }
    wrrDi = g == 0 ? 1 : g;
    wrrMw = max - (wrrDi - 1);
    wrrCl = -1;
    if (wrrCw > wrrMw || wrrCw == 0) {
      wrrCw = wrrMw;
    } else if (wrrDi > 1) {
      wrrCw = (wrrCw / wrrDi) * wrrDi + 1;
    }
  }

  /** ip_vs_wrr_schedule: walk from the last position; each pass of the head lowers cw by di. */
  private Dest wrr() {
    if (wrrMw <= 0 || dests.isEmpty()) {
      return null;
    }
    int n = dests.size();
    int p = wrrCl;
    // every weight level once, plus a pass: beyond that all are overloaded (err_over)
    long budget = ((long) wrrMw / wrrDi + 2) * (n + 1);
    for (long steps = 0; steps < budget; steps++) {
      p++;
      if (p == n) {
        p = -1; // the list head
        wrrCw -= wrrDi;
        if (wrrCw <= 0) {
          wrrCw = wrrMw;
        }
        continue;
      }
      Dest d = dests.get(p);
      if (!d.overloaded && d.weight >= wrrCw) {
        wrrCl = p;
        return d;
      }
    }
    return null; // "all destinations are overloaded"
  }

  private static int gcd(int a, int b) {
    while (b != 0) {
      int t = a % b;
      a = b;
      b = t;
    }
    return a;
  }

  // ------------------------------------------------------------ least connections

  /** ip_vs_lc_schedule: least overhead; weight 0 and overloaded skipped; ties keep the first. */
  private Dest lc() {
    Dest least = null;
    for (Dest d : dests) {
      if (d.unavailable()) {
        continue;
      }
      if (least == null || d.overhead() < least.overhead()) {
        least = d;
      }
    }
    return least;
  }

  /**
   * wlc (overhead active·256 + inactive) or sed (active + 1): least overhead/weight, compared
   * as {@code loh·w_d > doh·w_l} without division; ties keep the first.
   */
  private static Dest weighted(List<Dest> among, boolean sed) {
    Dest least = null;
    long loh = 0;
    for (Dest d : among) {
      if (d.unavailable()) {
        continue;
      }
      long doh = sed ? d.active + 1 : d.overhead();
      if (least == null || loh * d.weight > doh * least.weight) {
        least = d;
        loh = doh;
      }
    }
    return least;
  }

  /** ip_vs_nq_schedule: the first idle server (no active connection), else as sed. */
  private Dest nq() {
    for (Dest d : dests) {
      if (!d.unavailable() && d.active == 0) {
        return d;
      }
    }
    return weighted(dests, true);
  }

  /** ip_vs_fo_schedule: the available server of the highest weight (the first of equals). */
  private Dest fo() {
    Dest h = null;
    for (Dest d : dests) {
      if (!d.overloaded && d.weight > 0 && (h == null || d.weight > h.weight)) {
        h = d;
      }
    }
    return h;
  }

  /** ip_vs_ovf_schedule: the highest weight among those with active ≤ weight. */
  private Dest ovf() {
    Dest h = null;
    for (Dest d : dests) {
      if (d.overloaded || d.active > d.weight || d.weight == 0) {
        continue;
      }
      if (h == null || d.weight > h.weight) {
        h = d;
      }
    }
    return h;
  }

  // ------------------------------------------------------------ locality

  /** is_overloaded of lblc/lblcr: active above weight while some server is below half load. */
  private boolean lblcOverloaded(Dest dest) {
    if (dest.active > dest.weight) {
      for (Dest d : dests) {
        if (d.active * 2 < d.weight) {
          return true;
        }
      }
    }
    return false;
  }

  /** ip_vs_lblc_schedule: keep the destination address's server unless overloaded, else wlc. */
  private Dest lblc(IpAddr dst) {
    Dest d = lblc.get(dst);
    if (d != null && !d.unavailable() && !lblcOverloaded(d)) {
      return d;
    }
    d = weighted(dests, false);
    if (d != null) {
      lblc.put(dst, d);
    }
    return d;
  }

  /**
   * ip_vs_lblcr_schedule: the least loaded of the address's set; when none or it is overloaded,
   * the least loaded of all joins the set. The kernel drops the most loaded member of a set
   * unchanged for a while (set_expire); without time, sets here only grow.
   */
  private Dest lblcr(IpAddr dst) {
    Set<Dest> set = lblcr.computeIfAbsent(dst, k -> new LinkedHashSet<>());
    Dest d = weighted(new ArrayList<>(set), false);
    if (d == null || lblcOverloaded(d)) {
      d = weighted(dests, false);
      if (d != null) {
        set.add(d);
      }
    }
    return d;
  }

  // ------------------------------------------------------------ hashing

  /** ip_vs_dh_reassign: one bucket per server in list order, round robin, weight ignored. */
  private int[] dhTable() {
    if (dhTable == null) {
      dhTable = new int[TAB];
      for (int i = 0; i < TAB; i++) {
        dhTable[i] = dests.isEmpty() ? -1 : i % dests.size();
      }
    }
    return dhTable;
  }

  private Dest dh(IpAddr dst) {
    int b = IpvsHashes.hash32(IpvsHashes.fold(dst), 8);
    int i = dhTable()[b];
    Dest d = i < 0 ? null : dests.get(i);
    return d == null || d.unavailable() ? null : d;
  }

  /** ip_vs_sh_reassign: each server takes {@code weight} buckets in turn (at least one). */
  int[] shTable() {
    if (shTable == null) {
      shTable = new int[TAB];
      int p = 0;
      int count = 0;
      for (int i = 0; i < TAB; i++) {
        if (dests.isEmpty()) {
          shTable[i] = -1;
          continue;
        }
        shTable[i] = p;
        if (++count >= dests.get(p).weight) {
          p = (p + 1) % dests.size();
          count = 0;
        }
      }
    }
    return shTable;
  }

  /** ip_vs_sh_hashkey: (offset + hash_32(port + fold(addr), 8)) & 0xff. */
  static int shBucket(IpAddr a, int port, int offset) {
    return (offset + IpvsHashes.hash32(port + IpvsHashes.fold(a), 8)) & 0xff;
  }

  private Dest sh(IpAddr src, int sport) {
    int port = (service.flags() & SchedFlags.SCHED2) != 0 ? sport : 0;
    int[] t = shTable();
    if ((service.flags() & SchedFlags.SCHED1) == 0) {
      int i = t[shBucket(src, port, 0)];
      Dest d = i < 0 ? null : dests.get(i);
      return d == null || d.unavailable() ? null : d;
    }
    int ihash = shBucket(src, port, 0);
    for (int offset = 0; offset < TAB; offset++) {
      int roffset = (offset + ihash) % TAB;
      int i = t[shBucket(src, port, roffset)];
      if (i < 0) {
        return null;
      }
      if (!dests.get(i).unavailable()) {
        return dests.get(i);
      }
    }
    return null;
  }

  /** ip_vs_mh_hashkey: hsiphash of offset + port + fold(addr), unsigned. */
  static long mhHash(IpAddr a, int port, long key, int offset) {
    int v = offset + port + IpvsHashes.fold(a);
    return IpvsHashes.hsiphash32(v, key, key) & 0xffffffffL;
  }

  /** ip_vs_mh_permutate and ip_vs_mh_populate, from the servers' last weights. */
  int[] mhTable() {
    if (mhTable != null) {
      return mhTable;
    }
    mhTable = new int[MH_SIZE];
    java.util.Arrays.fill(mhTable, -1);
    int g = 0;
    int max = 0;
    for (Dest d : dests) {
      if (d.lastWeight > 0) {
        g = g == 0 ? d.lastWeight : gcd(g, d.lastWeight);
        max = Math.max(max, d.lastWeight);
      }
    }
    if (g < 1) {
      return mhTable;
    }
    int shift = Math.max(0, (32 - Integer.numberOfLeadingZeros(max / g)) - MH_BITS);
    int n = dests.size();
    long[] perm = new long[n];
    long[] skip = new long[n];
    int[] turns = new int[n];
    for (int k = 0; k < n; k++) {
      Dest d = dests.get(k);
      perm[k] = mhHash(d.server.address(), d.server.port(), MH_KEY1, 0) % MH_SIZE;
      skip[k] = mhHash(d.server.address(), d.server.port(), MH_KEY2, 0) % (MH_SIZE - 1) + 1;
      int t = (d.lastWeight / g) >> shift;
      turns[k] = t != 0 ? t : (d.lastWeight != 0 ? 1 : 0);
    }
    int filled = 0;
    while (filled < MH_SIZE) {
      for (int k = 0; k < n && filled < MH_SIZE; k++) {
        for (int t = 0; t < turns[k] && filled < MH_SIZE; t++) {
          int c = (int) perm[k];
          while (mhTable[c] >= 0) {
            perm[k] += skip[k];
            if (perm[k] >= MH_SIZE) {
              perm[k] -= MH_SIZE;
            }
            c = (int) perm[k];
          }
          mhTable[c] = k;
          filled++;
        }
      }
    }
    return mhTable;
  }

  private Dest mh(IpAddr src, int sport) {
    int port = (service.flags() & SchedFlags.SCHED2) != 0 ? sport : 0;
    int[] t = mhTable();
    int ihash = (int) (mhHash(src, port, MH_KEY1, 0) % MH_SIZE);
    if ((service.flags() & SchedFlags.SCHED1) == 0) {
      int i = t[ihash];
      Dest d = i < 0 ? null : dests.get(i);
      return d == null || d.unavailable() ? null : d;
    }
    for (int offset = 0; offset < MH_SIZE; offset++) {
      int roffset = (offset + ihash) % MH_SIZE;
      int i = t[(int) (mhHash(src, port, MH_KEY1, roffset) % MH_SIZE)];
      if (i < 0) {
        return null;
      }
      if (!dests.get(i).unavailable()) {
        return dests.get(i);
      }
    }
    return null;
  }

  /**
   * ip_vs_twos_schedule: two weighted random picks in [0, total weight] (the draws are the low
   * and high 16 bits of {@code random}, modulo total + 1), the one of lower overhead/weight wins.
   */
  private Dest twos(long random) {
    int total = 0;
    for (Dest d : dests) {
      if (!d.overloaded && d.weight > 0) {
        total += d.weight;
      }
    }
    if (total == 0) {
      return null;
    }
    total += 1;
    long r1 = (random & 0xffff) % total;
    long r2 = ((random >>> 16) & 0xffff) % total;
    Dest c1 = null;
    Dest c2 = null;
    for (Dest d : dests) {
      if (d.overloaded || d.weight <= 0) {
        continue;
      }
      r1 -= d.weight;
      r2 -= d.weight;
      if (r1 <= 0 && c1 == null) {
        c1 = d;
      }
      if (r2 <= 0 && c2 == null) {
        c2 = d;
      }
      if (c1 != null && c2 != null) {
        break;
      }
    }
    if (c1 == null) {
      c1 = c2;
    }
    if (c2 == null) {
      c2 = c1;
    }
    if (c1 == null) {
      return null;
    }
    return (long) c2.overhead() * c1.weight < (long) c1.overhead() * c2.weight ? c2 : c1;
  }

  /** The scheduler of this state (for explain). */
  public Scheduler scheduler() {
    return service.scheduler();
  }
}

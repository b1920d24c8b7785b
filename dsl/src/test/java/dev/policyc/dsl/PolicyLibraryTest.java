package dev.policyc.dsl;

import static dev.policyc.dsl.Dsl.DROP;
import static dev.policyc.dsl.Dsl.INPUT;
import static dev.policyc.dsl.Dsl.match;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link PolicyLibrary}: shared objects and fragments, built once, used by several policies. */
class PolicyLibraryTest {
  private static final PolicyLibrary SHARED = PolicyLibrary.named("shared")
      .networks("admins", "10.20.0.0/16")
      .services("ssh", "tcp/22")
      .set("block", "hash:net", Family.IPV4, "192.0.2.0/25")
      .fragment("admin-in", c -> c.accept(match().service("ssh").src("admins")))
      .build();

  @Test
  void twoPoliciesUseOneLibraryAsIfEachHadWrittenIt() {
    Policy web = Policy.named("web").use(SHARED)
        .filter(INPUT, c -> c.policy(DROP).rules(SHARED.fragment("admin-in")))
        .build();
    Policy db = Policy.named("web").use(SHARED)
        .filter(INPUT, c -> c.policy(DROP).rules(SHARED.fragment("admin-in")))
        .build();
    Policy written = Policy.named("web")
        .networks("admins", "10.20.0.0/16")
        .services("ssh", "tcp/22")
        .set("block", "hash:net", Family.IPV4, "192.0.2.0/25")
        .filter(INPUT, c -> c.policy(DROP).accept(match().service("ssh").src("admins")))
        .build();
    assertEquals(written, web);
    assertEquals(written, db);
    assertEquals(List.of("admin-in"), SHARED.fragments());
  }

  @Test
  void aNameDefinedByTheLibraryAndThePolicyNamesBoth() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Policy.named("web").networks("admins", "10.0.0.0/8").use(SHARED));
    assertEquals("network group 'admins' is defined twice: in policy 'web' and in library"
        + " 'shared'", e.getMessage());
  }

  @Test
  void aNameDefinedByTwoLibrariesNamesBoth() {
    PolicyLibrary office = PolicyLibrary.named("office").set("block", "hash:ip", Family.IPV4)
        .build();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Policy.named("web").use(office).use(SHARED));
    assertEquals("ipset 'block' is defined twice: in library 'office' and in library 'shared'",
        e.getMessage());
  }

  @Test
  void aNameDefinedTwiceInOneLibraryNamesIt() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> PolicyLibrary.named("x").services("ssh", "tcp/22").services("ssh", "tcp/2222"));
    assertEquals("service group 'ssh' is defined twice: in library 'x' and in library 'x'",
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> PolicyLibrary.named("x")
        .fragment("f", c -> { }).fragment("f", c -> { }));
  }

  @Test
  void aLibraryMayUseAnother() {
    PolicyLibrary site = PolicyLibrary.named("site").use(SHARED).networks("lan", "10.0.0.0/8")
        .build();
    assertEquals(List.of("admins", "lan"), List.copyOf(site.objects().networks().keySet()));
    assertThrows(IllegalArgumentException.class, () -> Policy.named("p").use(site).use(SHARED));
  }

  @Test
  void anUnknownFragmentSaysWhatTheLibraryHas() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SHARED.fragment("nope"));
    assertEquals("library 'shared' has no fragment 'nope' (it has [admin-in])", e.getMessage());
  }
}

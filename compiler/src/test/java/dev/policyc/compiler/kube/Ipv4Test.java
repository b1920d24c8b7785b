package dev.policyc.compiler.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Ipv4.parse reads dotted quads in place: the forms it takes and the ones it refuses. */
public class Ipv4Test {
  @ParameterizedTest(name = "[{0}] -> {1}")
  @CsvSource(delimiter = '|', value = {
      "10.128.0.1|176160769",
      "0.0.0.0|0",
      "255.255.255.255|4294967295",
      "1.2.3|-1",
      "1.2.3.4.5|-1",
      "1.2.3.4.|-1",
      ".1.2.3|-1",
      "1..2.3|-1",
      "01.2.3.4|-1",
      "1.2.3.256|-1",
      "1.2.3.1000|-1",
      "1.2.3.-4|-1",
      "1.2.3.+4|-1",
      "1.2.3. 4|-1",
      "a.b.c.d|-1",
      "''|-1",
      // Character.isDigit digits are read as Integer.parseInt reads them (U+0661 ARABIC-INDIC ONE)
      "\u0661.2.3.4|16909060",
  })
  void parse(String text, long expected) {
    assertEquals(expected, Ipv4.parse(text));
  }
}

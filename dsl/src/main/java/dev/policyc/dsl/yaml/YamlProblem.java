package dev.policyc.dsl.yaml;

import dev.policyc.dsl.SourcePos;

/**
 * Something wrong with a policy file that the YAML reader found: a stable code, a message and
 * where.
 */
public record YamlProblem(String code, String message, SourcePos pos) {
  /** Codes of the YAML front end (PC0xxx). */
  public static final String SYNTAX = "PC0001";

  public static final String UNKNOWN_KEY = "PC0002";
  public static final String WRONG_TYPE = "PC0003";
  public static final String MISSING_KEY = "PC0004";
  public static final String DUPLICATE_KEY = "PC0005";
  public static final String ALIAS = "PC0006";
  public static final String TOO_LARGE = "PC0007";
  public static final String BAD_VALUE = "PC0008";
  public static final String DUPLICATE_NAME = "PC0009";

  @Override
  public String toString() {
    return pos + ": " + code + " " + message;
  }
}

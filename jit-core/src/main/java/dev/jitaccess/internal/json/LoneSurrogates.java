package dev.jitaccess.internal.json;

/** What a {@link JsonWriter} and a {@link JsonReader} do with a lone surrogate, which has no UTF-8 form. */
public enum LoneSurrogates {
  /**
   * Written as a {@code \}{@code uXXXX} escape and read back from one, so that every Java string round-trips
   * (the audit log, the JDBC columns).
   */
  ESCAPE,
  /**
   * Refused by the writer ({@link IllegalArgumentException}) and by the reader, escaped or not: the text is
   * well-formed Unicode, as JSON that other software reads should be (RFC 8259 §8.2; signed tokens).
   */
  REJECT
}

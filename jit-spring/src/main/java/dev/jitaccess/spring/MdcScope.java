package dev.jitaccess.spring;

import jakarta.annotation.Nullable;
import org.slf4j.MDC;

/** Puts a grant's ids in the SLF4J MDC and, on close, puts back what was there (nested calls), or removes them. */
final class MdcScope implements AutoCloseable {

  static final String GRANT_ID = "jit.grantId";
  static final String REQUEST_ID = "jit.requestId";

  private final String previousGrantId;
  private final String previousRequestId;

  private MdcScope(@Nullable String previousGrantId, @Nullable String previousRequestId) {
    this.previousGrantId = previousGrantId;
    this.previousRequestId = previousRequestId;
  }

  static MdcScope open(@Nullable String grantId, @Nullable String requestId) {
    MdcScope scope = new MdcScope(MDC.get(GRANT_ID), MDC.get(REQUEST_ID));
    set(GRANT_ID, grantId);
    set(REQUEST_ID, requestId);
    return scope;
  }

  @Override
  public void close() {
    set(GRANT_ID, previousGrantId);
    set(REQUEST_ID, previousRequestId);
  }

  static void set(String key, @Nullable String value) {
    if (value == null) {
      MDC.remove(key);
    } else {
      MDC.put(key, value);
    }
  }
}

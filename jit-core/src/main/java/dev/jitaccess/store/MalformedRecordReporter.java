package dev.jitaccess.store;

import dev.jitaccess.internal.Validate;
import java.util.function.Consumer;

/**
 * An optional capability of a {@link GrantStore} whose lists may meet a stored record they cannot read (a row
 * edited by hand, a failed migration, a hostile write): rather than fail the whole list, so that one bad row
 * blocks the start or denies everyone, the store leaves that record out and reports it here. The record is then
 * not honoured, which is the safe side; every other record still is.
 *
 * <p>The manager listens from before its first read and writes a
 * {@link dev.jitaccess.audit.AuditEventType#STORE_RECORD_SKIPPED} event for each report.
 */
public interface MalformedRecordReporter {

  /**
   * Calls {@code listener} for each malformed record a read leaves out, from the reading thread, once per record
   * and store object (the first time a read meets it).
   *
   * @return stops the reporting to this listener; closing twice is harmless
   */
  AutoCloseable onMalformedRecord(Consumer<MalformedRecord> listener);

  /**
   * How many malformed records this store object has left out so far, each counted once: a value for a
   * monitoring gauge (anything above zero needs a repair).
   */
  long malformedRecords();

  /**
   * A stored record that was left out.
   *
   * @param table where it is (for the JDBC store, the table name)
   * @param kind what it is: {@code grant}, {@code request} or {@code review}
   * @param id its id (for a review, its grant's id)
   * @param problem what is wrong with it, without the stored values
   */
  record MalformedRecord(String table, String kind, String id, String problem) {
    public MalformedRecord {
      Validate.notNull("table", table);
      Validate.notNull("kind", kind);
      Validate.notNull("id", id);
      Validate.notNull("problem", problem);
    }
  }
}

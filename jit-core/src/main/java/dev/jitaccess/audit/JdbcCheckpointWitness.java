package dev.jitaccess.audit;

import dev.jitaccess.internal.Validate;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * A {@link CheckpointWitness} in a database table, typically the database of the grant store (a different system
 * and owner than the log's disk). One row per checkpoint, keyed by its {@code seq}, which the checkpoint chain makes
 * strictly increasing:
 *
 * <pre>
 * CREATE TABLE jit_audit_checkpoints (seq BIGINT PRIMARY KEY, checkpoint VARCHAR(4096) NOT NULL);
 * GRANT SELECT, INSERT ON jit_audit_checkpoints TO jit_app;  -- append-only: no UPDATE, no DELETE
 * </pre>
 *
 * {@code checkpoint} holds {@link AuditCheckpoint#toLine()}. The sink only inserts; grant its database user
 * nothing more, so that whoever holds the application's credentials cannot rewrite the witness either (and a
 * forged row still lacks the signing key). Each call takes a connection from the pool and returns it: safe from
 * any thread.
 */
public final class JdbcCheckpointWitness implements CheckpointWitness {

  /** The default table name. */
  public static final String DEFAULT_TABLE = "jit_audit_checkpoints";

  private static final Pattern TABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

  private final DataSource dataSource;
  private final String table;

  private JdbcCheckpointWitness(DataSource dataSource, String table) {
    this.dataSource = dataSource;
    this.table = table;
  }

  /** A witness in {@code table} (letters, digits and {@code _}, not starting with a digit) of {@code dataSource}. */
  public static JdbcCheckpointWitness of(DataSource dataSource, String table) {
    Validate.notNull("dataSource", dataSource);
    Validate.notNull("table", table);
    Validate.requireArgument(TABLE.matcher(table).matches(), "table", table,
        "must be letters, digits and '_', at most 63, not starting with a digit");
    return new JdbcCheckpointWitness(dataSource, table);
  }

  /** Creates the table if it does not exist (the DDL above, without the grant, which is the operator's). */
  public JdbcCheckpointWitness createTable() throws IOException {
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS " + table + " (seq BIGINT PRIMARY KEY, checkpoint VARCHAR(4096) NOT NULL)");
    } catch (SQLException e) {
      throw new IOException("cannot create the checkpoint table " + table, e);
    }
    return this;
  }

  @Override
  public void append(AuditCheckpoint checkpoint) throws IOException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement s = c.prepareStatement("INSERT INTO " + table + " (seq, checkpoint) VALUES (?, ?)")) {
      s.setLong(1, checkpoint.seq());
      s.setString(2, checkpoint.toLine());
      s.executeUpdate();
      if (!c.getAutoCommit()) {
        c.commit();
      }
    } catch (SQLException e) {
      throw new IOException("cannot insert the checkpoint of seq " + checkpoint.seq() + " into " + table, e);
    }
  }

  @Override
  public List<AuditCheckpoint> read() throws IOException {
    List<AuditCheckpoint> checkpoints = new ArrayList<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement s = c.prepareStatement("SELECT seq, checkpoint FROM " + table + " ORDER BY seq");
        ResultSet rows = s.executeQuery()) {
      while (rows.next()) {
        long seq = rows.getLong(1);
        AuditCheckpoint checkpoint;
        try {
          checkpoint = AuditCheckpoint.parse(rows.getString(2));
        } catch (IllegalArgumentException e) {
          throw new IOException(table + " row seq " + seq + ": " + e.getMessage());
        }
        if (checkpoint.seq() != seq) {
          throw new IOException(table + " row seq " + seq + " holds the checkpoint of seq " + checkpoint.seq());
        }
        checkpoints.add(checkpoint);
      }
    } catch (SQLException e) {
      throw new IOException("cannot read the checkpoints in " + table, e);
    }
    return checkpoints;
  }

  @Override
  public String toString() {
    return "JdbcCheckpointWitness[" + table + "]";
  }
}

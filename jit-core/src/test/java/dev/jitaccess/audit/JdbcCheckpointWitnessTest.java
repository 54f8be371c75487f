package dev.jitaccess.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitaccess.audit.AuditLogVerifier.Kind;
import dev.jitaccess.audit.AuditLogVerifier.Options;
import dev.jitaccess.audit.AuditLogVerifier.Result;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checkpoint witness in a database table (H2 here; the same SQL runs on PostgreSQL). */
class JdbcCheckpointWitnessTest {

  @TempDir
  Path dir;

  private final JdbcDataSource db = new JdbcDataSource();

  JdbcCheckpointWitnessTest() {
    db.setURL("jdbc:h2:mem:checkpoints-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
  }

  @Test
  void theSinkCheckpointsIntoTheTableAndTheVerifierProvesTheLogFromIt() throws Exception {
    JdbcCheckpointWitness witness = JdbcCheckpointWitness.of(db, JdbcCheckpointWitness.DEFAULT_TABLE).createTable();
    for (int run = 0; run < 2; run++) {
      try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir).checkpoints(SignedCheckpointTest.KEY.getPrivate(),
          witness).checkpointEvery(5, Duration.ofHours(1)).durability(JsonLinesAuditSink.Durability.OS_BUFFERED)
          .build()) {
        for (int i = 0; i < 20; i++) {
          sink.write(TestEvents.event(i));
        }
      }
    }
    Options options = Options.DEFAULT.withCheckpoints(SignedCheckpointTest.KEY.getPublic(), witness);
    Result result = AuditLogVerifier.verify(List.of(dir), options);
    assertThat(result.proven()).as("%s", result).isTrue();
    assertThat(result.checkpoints()).isGreaterThanOrEqualTo(2);

    // Whoever can write the table but lacks the key: a changed row is a forged checkpoint.
    try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
      s.executeUpdate("UPDATE " + JdbcCheckpointWitness.DEFAULT_TABLE
          + " SET checkpoint = REPLACE(checkpoint, '\"time\":\"20', '\"time\":\"19')"
          + " WHERE seq = (SELECT MIN(seq) FROM " + JdbcCheckpointWitness.DEFAULT_TABLE + ")");
    }
    assertThat(AuditLogVerifier.verify(List.of(dir), options).problem().kind()).isEqualTo(Kind.CHECKPOINT_FORGED);
  }

  @Test
  void aSeqIsWrittenOnceAndTheTableNameIsChecked() throws Exception {
    JdbcCheckpointWitness witness = JdbcCheckpointWitness.of(db, "cp").createTable();
    AuditCheckpoint checkpoint = AuditCheckpoint.sign(1, AuditChain.GENESIS, "audit-00000001.jsonl",
        TestEvents.T0, AuditChain.GENESIS, SignedCheckpointTest.KEY.getPrivate());
    witness.append(checkpoint);
    assertThatThrownBy(() -> witness.append(checkpoint)).isInstanceOf(java.io.IOException.class);
    assertThat(witness.read()).containsExactly(checkpoint);
    assertThatThrownBy(() -> JdbcCheckpointWitness.of(db, "x; DROP TABLE cp")).hasMessageContaining("table");
  }
}

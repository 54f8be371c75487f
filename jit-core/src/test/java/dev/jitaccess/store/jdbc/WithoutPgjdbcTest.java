package dev.jitaccess.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** pgjdbc is an optional dependency: without it on the classpath the store loads, polls, and serves a manager. */
class WithoutPgjdbcTest {

  @Test
  void theStoreWorksWithoutThePostgresDriverOnTheClasspath() throws Exception {
    assertThat(ChildJvm.classpath()).anyMatch(entry -> entry.contains("postgresql"));
    try (ChildJvm child = ChildJvm.start(WithoutPgjdbcMain.class, entry -> entry.contains("postgresql"))) {
      String reply = child.next(Duration.ofSeconds(60));
      assertThat(reply).as("the child's log: %s", java.nio.file.Files.readString(child.log)).isEqualTo("ok");
    }
  }
}

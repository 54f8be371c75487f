package dev.jitaccess.store.jdbc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Two instances on one H2 file database, each with its own connections, following changes by polling. */
class H2SharedStoreTest extends SharedJdbcStoreTests {

  private static Path directory;
  private static String url;

  @BeforeAll
  static void createDatabase() throws Exception {
    Files.createDirectories(Paths.get("target"));
    directory = Files.createTempDirectory(Paths.get("target").toAbsolutePath(), "h2-shared-");
    url = "jdbc:h2:file:" + directory.resolve("jit") + ";DB_CLOSE_DELAY=-1";
  }

  @AfterAll
  static void deleteDatabase() throws Exception {
    try (var c = TestDatabases.h2(url).getConnection(); var s = c.createStatement()) {
      s.execute("SHUTDOWN");
    }
    try (Stream<Path> files = Files.walk(directory)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Override
  String label() {
    return "H2 file, polling every 10 ms";
  }

  @Override
  DataSource storeDataSource(String instance) {
    return TestDatabases.h2(url);
  }

  @Override
  DataSource feedDataSource(String instance) {
    return TestDatabases.h2(url);
  }

  @Override
  void dropFeedConnection(Instance instance) {
    instance.feed.closeAll();
  }
}

package dev.jitaccess.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The two-instance example runs to the end on H2 (its default file database, then a fresh in-memory one). */
class SharedStoreTwoInstancesTest {

  @Test
  void runsOnItsDefaultH2File() throws Exception {
    String out = capture(new String[0]);
    assertThat(out).contains("B check prod/db/orders: ALLOWED", "A check prod/db/orders: DENIED",
        "EXPIRED events for it", "feed: POLLING");
  }

  @Test
  void runsOnTheH2DatabaseItIsGiven() throws Exception {
    String out = capture(new String[] {"jdbc:h2:mem:example-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1"});
    assertThat(out).contains("A check prod/db/orders: DENIED", "B: REVOKED");
  }

  private static String capture(String[] args) throws Exception {
    PrintStream original = System.out;
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    try {
      SharedStoreTwoInstances.main(args);
    } finally {
      System.setOut(original);
    }
    String out = buffer.toString(StandardCharsets.UTF_8);
    original.print(out);
    return out;
  }
}

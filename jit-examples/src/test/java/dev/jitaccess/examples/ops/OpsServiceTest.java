package dev.jitaccess.examples.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/** Boots the ops service on a free port and plays the README's session against it over HTTP. */
class OpsServiceTest {

  @Test
  void theScriptedSessionGetsTheAnswersItExpects() throws Exception {
    ByteArrayOutputStream transcript = new ByteArrayOutputStream();
    try (ConfigurableApplicationContext app = OpsServiceDemo.start();
        PrintStream out = new PrintStream(transcript, true, StandardCharsets.UTF_8)) {
      new OpsServiceDemo(OpsServiceDemo.port(app), out).play();
    }
    assertThat(transcript.toString(StandardCharsets.UTF_8))
        .contains("403 Just-in-time access required")
        .contains("200: 3 orders")
        .contains("bob, a DBA lead but not in sre, asks the same: denied")
        .contains("pending, 1 approval needed")
        .contains("order 1001 is REFUNDED")
        .contains("revoked=true by user:admin")
        .endsWith("done" + System.lineSeparator());
  }
}

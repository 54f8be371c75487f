package dev.jitaccess.examples.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;

/**
 * Boots the ops service on a free port and plays the README's session against it over HTTP: the library's API
 * under CSRF protection, and the webhook receiver's verified deliveries after the steps that caused them.
 */
class OpsServiceTest {

  @Test
  void theScriptedSessionGetsTheAnswersItExpects() throws Exception {
    ByteArrayOutputStream transcript = new ByteArrayOutputStream();
    BlockingQueue<String> deliveries = new LinkedBlockingQueue<>();
    try (OpsServiceApplication.Running service = OpsServiceApplication.start(0, deliveries::add);
        PrintStream out = new PrintStream(transcript, true, StandardCharsets.UTF_8)) {
      new OpsServiceDemo(service.port(), deliveries, out).play();
    }
    String text = transcript.toString(StandardCharsets.UTF_8);
    assertThat(text)
        .contains("403 Just-in-time access required")
        .contains("200: 3 orders")
        .contains("bob, a DBA lead but not in sre, asks the same: denied")
        .contains("PENDING, 1 approval needed")
        .contains("alice cannot approve her own request (403 FORBIDDEN)")
        .contains("order 1001 is REFUNDED")
        .contains("revoked=true by user:admin")
        .contains("jit.webhook.dead.letters = 0.0")
        .contains("console: http://127.0.0.1:")
        .contains(OpsServiceApplication.INTERACTIVE_COMMAND)
        .endsWith("done" + System.lineSeparator());
    assertThat(text.lines().filter(line -> line.contains("webhook ")).map(line -> line.strip().split(":")[0]))
        .containsExactly("webhook grant.granted", "webhook request.pending_approval", "webhook grant.granted",
            "webhook grant.granted", "webhook grant.released", "webhook grant.revoked");
    assertThat(text).contains("webhook request.pending_approval: request ")
        .contains("alice write on prod/db/orders/**, 1 approval needed")
        .doesNotContain("CHG-2001 refund duplicate charges\n");
  }
}

package dev.jitaccess.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitaccess.AccessRequest;
import dev.jitaccess.Grant;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.RequestOutcome;
import dev.jitaccess.Subject;
import dev.jitaccess.spring.RequiresAccess;
import dev.jitaccess.spring.TestApps;
import dev.jitaccess.spring.security.JitAccessDeniedHandler;
import dev.jitaccess.testing.ManualClock;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * The console in a real browser (headless chromium) against a real Boot application on a random port: Spring
 * Security form login with CSRF on, users alice, bob (an approver) and admin (ROLE_JIT_ADMIN), a rule needing one
 * approval, an endpoint under {@code @RequiresAccess}, and a manual clock, so a grant runs out without waiting.
 * Each step is saved as a screenshot under {@code target/console-screenshots/}; the assertions read the page's
 * text, never its pixels.
 */
class ConsoleBrowserTest {

  private static final Subject ALICE = Subject.user("alice");
  private static final Subject BOB = Subject.user("bob");
  private static final Pattern COUNTDOWN = Pattern.compile("Active - \\d+:\\d\\d left");

  private static ConfigurableApplicationContext app;
  private static String root;
  private static Chromium chromium;

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import(OrdersController.class)
  static class App {

    @Bean
    Clock clock() {
      return new ManualClock();
    }

    @Bean
    InMemoryUserDetailsManager users() {
      return new InMemoryUserDetailsManager(
          User.withUsername("alice").password("{noop}alice-pw").roles("sre").build(),
          User.withUsername("bob").password("{noop}bob-pw").roles("sre").build(),
          User.withUsername("admin").password("{noop}admin-pw").roles("JIT_ADMIN").build());
    }

    /** The application's own security, CSRF left on: the console sends the token it gets from the session. */
    @Bean
    SecurityFilterChain security(HttpSecurity http) throws Exception {
      http.authorizeHttpRequests(requests -> requests.anyRequest().authenticated())
          .formLogin(Customizer.withDefaults())
          .exceptionHandling(e -> e.accessDeniedHandler(new JitAccessDeniedHandler()));
      return http.build();
    }
  }

  @RestController
  public static class OrdersController {
    @GetMapping("/orders/{id}")
    @RequiresAccess(resource = "'prod/orders/' + #id", action = "read")
    public String show(@PathVariable("id") String id) {
      return "order " + id;
    }
  }

  @BeforeAll
  static void start() throws Exception {
    // The browser first: without one (and not on CI) the class is skipped before an application starts.
    chromium = Chromium.start();
    app = TestApps.start(App.class,
        "jit.access.web.enabled=true",
        "jit.access.policy.rules[0].name=orders",
        "jit.access.policy.rules[0].resources=prod/orders/**",
        "jit.access.policy.rules[0].actions=read",
        "jit.access.policy.rules[0].max-duration=1h",
        "jit.access.policy.rules[0].justification-pattern=^INC-\\d+",
        "jit.access.policy.rules[0].approvals=1",
        // alice may approve too, so that only separation of duties keeps her from approving her own request
        "jit.access.policy.rules[0].approvers=alice,bob",
        "jit.access.policy.rules[0].break-glass.max-duration=15m",
        "jit.access.policy.rules[0].break-glass.incident-pattern=^INC-\\d+");
    root = "http://127.0.0.1:" + TestApps.port(app);
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (chromium != null) {
        chromium.close();
      }
    } finally {
      if (app != null) {
        app.close();
      }
    }
  }

  /** The console runs under its content security policy without a violation and without a script error. */
  @AfterEach
  void noScriptErrorsAndNoPolicyViolations() {
    assertThat(chromium.pageErrors())
        .noneMatch(message -> message.contains("Content Security Policy") || message.contains("Uncaught"));
  }

  @Test
  void aliceAsksBobApprovesAndTheGrantRunsOut() {
    signIn("alice");
    WebElement form = chromium.driver.findElement(By.id("request-form"));
    assertThat(form.getText()).contains("prod/orders/** (rule orders)", "read", "At most 1 hour.",
        "It must match the pattern ^INC-\\d+", "Needs 1 approval before it is granted.");
    assertThat(chromium.driver.findElement(By.id("request-duration")).getAttribute("max")).isEqualTo("60");
    chromium.screenshot("01-alice-request-form");

    String requestId = requestInConsole("prod/orders/1", "INC-42 orders are slow");
    WebElement mine = row("my-request", "data-request-id", requestId);
    assertThat(mine.findElement(By.cssSelector("[data-testid=request-state]")).getText())
        .isEqualTo("Pending - 0 of 1 approval");
    assertThat(endpointStatus("/orders/1")).isEqualTo(403);
    chromium.screenshot("02-alice-request-pending");

    signIn("bob");
    WebElement review = row("review-request", "data-request-id", requestId);
    assertThat(review.getText()).contains("alice asks for prod/orders/1 - read", "INC-42 orders are slow");
    chromium.screenshot("03-bob-review-queue");
    // A notification's link (<console>/#request-<id>) marks that request in words and puts the focus on it.
    chromium.driver.get(root + "/jit/#request-" + requestId);
    By linked = By.cssSelector("li[aria-current=true][data-request-id='" + requestId + "']");
    waitUntil(ExpectedConditions.presenceOfElementLocated(linked));
    assertThat(chromium.driver.findElement(linked).getText()).contains("The request you followed a link to");
    assertThat(chromium.driver.switchTo().activeElement().getAttribute("data-request-id")).isEqualTo(requestId);
    review = row("review-request", "data-request-id", requestId);
    review.findElement(By.cssSelector("[data-testid=review-comment]")).sendKeys("looks right");
    review.findElement(By.cssSelector("[data-testid=approve]")).click();
    waitForText(By.id("notice"), "Approved: the grant is active.");
    waitUntil(ExpectedConditions.numberOfElementsToBe(reviewRow(requestId), 0));
    chromium.screenshot("04-bob-approved");

    signIn("alice");
    Grant grant = onlyGrantOf(ALICE, "prod/orders/1");
    By statusOfGrant = By.cssSelector("[data-grant-id='" + grant.id() + "'] [data-testid=grant-status]");
    waitUntil(ExpectedConditions.textMatches(statusOfGrant, COUNTDOWN));
    WebElement status = chromium.driver.findElement(statusOfGrant);
    String first = status.getText();
    // The countdown ticks in the page between polls (real seconds; the server's clock stands still).
    waitUntil(driver -> !status.getText().equals(first) && COUNTDOWN.matcher(status.getText()).matches());
    chromium.screenshot("05-alice-grant-active");
    assertThat(endpointStatus("/orders/1")).isEqualTo(200);
    assertThat(endpointStatus("/orders/2")).isEqualTo(403);

    clock().advance(Duration.ofMinutes(31));
    chromium.driver.findElement(By.id("refresh")).click();
    waitForText(statusOfGrant, "Ended");
    assertThat(row("my-grant", "data-grant-id", grant.id()).findElements(By.cssSelector("[data-testid=release]")))
        .allSatisfy(button -> assertThat(button.isDisplayed()).isFalse());
    chromium.screenshot("06-alice-grant-ended");
    assertThat(endpointStatus("/orders/1")).isEqualTo(403);
  }

  @Test
  void aRequesterIsNeitherOfferedNorAllowedTheApprovalOfHerOwnRequest() {
    signIn("alice");
    // Whatever a requester writes is shown as text, never run as markup (bob's queue shows the same text).
    String requestId = requestInConsole("prod/orders/3", "INC-43 <img src=x id=injected onerror=alert(1)>");
    refreshAndWait();
    assertThat(row("my-request", "data-request-id", requestId).getText())
        .contains("Why: INC-43 <img src=x id=injected onerror=alert(1)>");
    assertThat(chromium.driver.findElements(By.id("injected"))).isEmpty();
    assertThat(chromium.driver.findElements(reviewRow(requestId))).isEmpty();
    assertThat(chromium.driver.findElements(By.cssSelector("[data-testid=approve]"))).isEmpty();
    chromium.screenshot("07-alice-no-approve-button");

    // The API refuses it all the same, with a valid CSRF token from the session.
    String answer = (String) chromium.driver.executeAsyncScript("""
        var base = arguments[0], id = arguments[1], done = arguments[arguments.length - 1];
        fetch(base + 'session').then(function (r) { return r.json(); }).then(function (session) {
          var headers = {'Content-Type': 'application/json'};
          headers[session.csrf.headerName] = session.csrf.token;
          return fetch(base + 'requests/' + id + '/approve',
              {method: 'POST', headers: headers, body: JSON.stringify({comment: 'mine'})});
        }).then(function (r) {
          return r.text().then(function (text) { done(r.status + ' ' + text); });
        }).catch(function (e) { done('failed ' + e); });
        """, root + "/jit/", requestId);
    assertThat(answer).startsWith("403 ").contains("\"code\":\"FORBIDDEN\"");
    assertThat(manager().pendingRequests()).anySatisfy(pending -> assertThat(pending.id()).isEqualTo(requestId));
  }

  @Test
  void anAdministratorRevokesAGrantFromTheConsole() {
    Grant grant = grantedByBob("prod/orders/5");
    signIn("admin");
    assertThat(chromium.driver.findElement(By.id("session")).getText())
        .isEqualTo("Signed in as admin, administrator");
    WebElement row = row("admin-grant", "data-grant-id", grant.id());
    assertThat(row.getText()).contains("alice: prod/orders/5 - read");
    assertThat(row.findElement(By.cssSelector("[data-testid=grant-status]")).getText()).matches(COUNTDOWN);
    chromium.screenshot("08-admin-active-grants");

    row.findElement(By.cssSelector("[data-testid=revoke]")).click();
    waitForText(By.id("problem"), "Give a reason to revoke this grant.");
    row.findElement(By.cssSelector("[data-testid=revoke-reason]")).sendKeys("shift over");
    row.findElement(By.cssSelector("[data-testid=revoke]")).click();
    waitForText(By.id("notice"), "Revoked alice's grant on prod/orders/5 - read.");
    waitForText(By.cssSelector("[data-grant-id='" + grant.id() + "'] [data-testid=grant-status]"), "Ended");
    chromium.screenshot("09-admin-revoked");
    assertThat(manager().isAllowed(ALICE, "prod/orders/5", "read")).isFalse();

    signIn("alice");
    assertThat(endpointStatus("/orders/5")).isEqualTo(403);
  }

  @Test
  void breakGlassFromTheConsoleIsQueuedForTheAdministratorsReview() {
    signIn("alice");
    WebElement section = chromium.driver.findElement(By.id("break-glass-section"));
    assertThat(section.getText()).contains("At most 15 minutes.", "It must match the pattern ^INC-\\d+");
    WebElement field = chromium.driver.findElement(By.id("break-glass-resource"));
    field.sendKeys("prod/orders/7");
    WebElement read = chromium.driver.findElement(By.cssSelector("#break-glass-actions input[value=read]"));
    if (!read.isSelected()) {
      read.click();
    }
    chromium.driver.findElement(By.id("break-glass-incident")).sendKeys("INC-77");
    chromium.driver.findElement(By.id("break-glass-justification")).sendKeys("INC-77 orders are down");
    chromium.driver.findElement(By.id("break-glass-submit")).click();
    waitForText(By.id("notice"), "Break-glass granted: prod/orders/7 - read.");
    Grant grant = onlyGrantOf(ALICE, "prod/orders/7");
    assertThat(row("my-grant", "data-grant-id", grant.id()).getText()).contains("Break-glass for INC-77");
    assertThat(endpointStatus("/orders/7")).isEqualTo(200);
    chromium.screenshot("10-alice-break-glass");

    signIn("admin");
    WebElement review = row("admin-review", "data-grant-id", grant.id());
    assertThat(review.getText()).contains("alice: prod/orders/7 for incident INC-77");
    assertThat(review.findElement(By.cssSelector("[data-testid=review-state]")).getText())
        .isEqualTo("Awaiting review - active");
    review.findElement(By.cssSelector("[data-testid=acknowledge-comment]")).sendKeys("seen, fine");
    review.findElement(By.cssSelector("[data-testid=acknowledge]")).click();
    waitForText(By.id("notice"), "Acknowledged the break-glass grant of alice.");
    // The queue holds the grants nobody has reviewed yet: an acknowledged one leaves it.
    waitUntil(ExpectedConditions.numberOfElementsToBe(
        By.cssSelector("[data-testid=admin-review][data-grant-id='" + grant.id() + "']"), 0));
    assertThat(chromium.driver.findElement(By.id("admin-reviews-empty")).getText())
        .isEqualTo("No break-glass grants to review.");
    chromium.screenshot("11-admin-break-glass-acknowledged");
  }

  // ---- steps ----

  /** Signs out whoever was signed in, signs {@code user} in through the login form, and waits for the console. */
  private static void signIn(String user) {
    chromium.driver.manage().deleteAllCookies();
    // The base path as people type it, without the slash: the page's relative asset links must still resolve.
    chromium.driver.get(root + "/jit");
    waitUntil(ExpectedConditions.presenceOfElementLocated(By.name("username")));
    chromium.driver.findElement(By.name("username")).sendKeys(user);
    chromium.driver.findElement(By.name("password")).sendKeys(user + "-pw");
    chromium.driver.findElement(By.cssSelector("button[type=submit]")).click();
    waitUntil(ExpectedConditions.textMatches(By.id("session"), Pattern.compile("Signed in as " + user + "\\b.*")));
    waitUntil(ExpectedConditions.attributeToBeNotEmpty(chromium.driver.findElement(By.tagName("body")),
        "data-refreshed"));
  }

  /** Fills the request form the way a person does and returns the id of the request it shows. */
  private static String requestInConsole(String resource, String justification) {
    new Select(chromium.driver.findElement(By.id("request-target"))).selectByVisibleText(
        "prod/orders/** (rule orders)");
    WebElement field = chromium.driver.findElement(By.id("request-resource"));
    field.clear();
    field.sendKeys(resource);
    WebElement read = chromium.driver.findElement(By.cssSelector("#request-actions input[value=read]"));
    if (!read.isSelected()) {
      read.click();
    }
    WebElement duration = chromium.driver.findElement(By.id("request-duration"));
    duration.clear();
    duration.sendKeys("30");
    chromium.driver.findElement(By.id("request-justification")).sendKeys(justification);
    chromium.driver.findElement(By.id("request-submit")).click();
    waitForText(By.id("notice"), "Requested " + resource + ": waiting for approval.");
    By mine = By.xpath("//li[@data-testid='my-request'][.//*[contains(text(), '" + resource + " - read')]]");
    waitUntil(ExpectedConditions.presenceOfElementLocated(mine));
    return chromium.driver.findElement(mine).getAttribute("data-request-id");
  }

  private static void refreshAndWait() {
    String before = chromium.driver.findElement(By.tagName("body")).getAttribute("data-refreshed");
    chromium.driver.findElement(By.id("refresh")).click();
    waitUntil(driver -> !before.equals(driver.findElement(By.tagName("body")).getAttribute("data-refreshed")));
  }

  /** The status of a GET of {@code path} from the page, with the signed-in user's session. */
  private static long endpointStatus(String path) {
    return (Long) chromium.driver.executeAsyncScript("""
        var done = arguments[arguments.length - 1];
        fetch(arguments[0], {credentials: 'same-origin'}).then(function (r) { done(r.status); },
            function () { done(-1); });
        """, root + path);
  }

  private static WebElement row(String testId, String keyAttribute, String key) {
    By locator = By.cssSelector("[data-testid=" + testId + "][" + keyAttribute + "='" + key + "']");
    waitUntil(ExpectedConditions.presenceOfElementLocated(locator));
    return chromium.driver.findElement(locator);
  }

  private static By reviewRow(String requestId) {
    return By.cssSelector("[data-testid=review-request][data-request-id='" + requestId + "']");
  }

  private static void waitForText(By locator, String text) {
    waitUntil(ExpectedConditions.textToBe(locator, text));
  }

  private static <T> T waitUntil(java.util.function.Function<? super org.openqa.selenium.WebDriver, T> condition) {
    return new WebDriverWait(chromium.driver, Duration.ofSeconds(20)).until(condition);
  }

  // ---- the application's side ----

  private static JitAccessManager manager() {
    return app.getBean(JitAccessManager.class);
  }

  private static ManualClock clock() {
    return (ManualClock) app.getBean(Clock.class);
  }

  private static Grant onlyGrantOf(Subject subject, String resource) {
    List<Grant> grants = manager().activeGrants(subject).stream()
        .filter(grant -> grant.resource().equals(resource)).toList();
    assertThat(grants).hasSize(1);
    return grants.get(0);
  }

  private static Grant grantedByBob(String resource) {
    RequestOutcome outcome = manager().request(AccessRequest.builder()
        .subject(ALICE)
        .groups(Set.of("sre"))
        .resource(resource)
        .actions("read")
        .duration(Duration.ofMinutes(30))
        .justification("INC-44 refunds")
        .build());
    assertThat(outcome).isInstanceOf(RequestOutcome.Pending.class);
    RequestOutcome approved = manager().approve(((RequestOutcome.Pending) outcome).requestId(), BOB, "ok");
    assertThat(approved).isInstanceOf(RequestOutcome.Granted.class);
    return ((RequestOutcome.Granted) approved).grant();
  }
}

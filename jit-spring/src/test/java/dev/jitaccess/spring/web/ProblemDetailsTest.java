package dev.jitaccess.spring.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.jitaccess.AccessDecision;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.Subject;
import dev.jitaccess.policy.AccessRule;
import dev.jitaccess.policy.RulePolicy;
import dev.jitaccess.spring.JitAccessDeniedException;
import dev.jitaccess.spring.JitAccessInterceptor;
import dev.jitaccess.spring.RequiresAccess;
import dev.jitaccess.spring.SubjectResolver;
import dev.jitaccess.spring.security.JitAccessDeniedHandler;
import dev.jitaccess.spring.security.JitAccessDeniedSecurityException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** The 403 problem body: MVC advice (no Spring Security) and the Spring Security handler. */
class ProblemDetailsTest {

  private final JitAccessManager jit = JitAccessManager.builder()
      .policy(RulePolicy.builder().rule(AccessRule.builder("orders").resources("orders/**").actions("read")
          .maxDuration(Duration.ofHours(1)).autoApprove().build()).build())
      .build();

  @AfterEach
  void tearDown() {
    jit.close();
  }

  public static class Orders {
    @RequiresAccess(resource = "'orders/' + #id", action = "read")
    public String show(String id) {
      return "order " + id;
    }
  }

  @RestController
  public static class OrdersController {
    private final Orders orders;

    OrdersController(Orders orders) {
      this.orders = orders;
    }

    @GetMapping("/orders/{id}")
    public String show(@PathVariable("id") String id) {
      return orders.show(id);
    }
  }

  @Test
  void theAdviceAnswers403WithAProblemBody() throws Exception {
    ProxyFactory factory = new ProxyFactory(new Orders());
    factory.setProxyTargetClass(true);
    factory.addAdvisor(JitAccessInterceptor.of(jit, SubjectResolver.fixed(Subject.user("alice"))));
    MockMvc mvc = MockMvcBuilders.standaloneSetup(new OrdersController((Orders) factory.getProxy()))
        .setControllerAdvice(new JitAccessProblemDetailsAdvice())
        .build();

    String body = mvc.perform(get("/orders/7"))
        .andExpect(status().isForbidden())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
        .andReturn().getResponse().getContentAsString();
    assertThat(body.replace(" ", ""))
        .contains("\"status\":403")
        .contains("\"title\":\"Just-in-timeaccessrequired\"")
        .contains("\"resource\":\"orders/7\"")
        .contains("\"action\":\"read\"")
        .contains("\"instance\":\"/orders/7\"")
        .contains("noactivegrant");
  }

  @Test
  void theSecurityHandlerWritesTheSameProblemAndDelegatesOtherDenials() throws Exception {
    JitAccessDeniedHandler handler = new JitAccessDeniedHandler();
    MockHttpServletRequest request = new MockHttpServletRequest("GET", "/orders/7");
    MockHttpServletResponse response = new MockHttpServletResponse();
    handler.handle(request, response, new JitAccessDeniedSecurityException(
        AccessDecision.deny(AccessDecision.Code.NO_GRANT, "no active grant covers this resource and action"), "orders/7", "read"));
    assertThat(response.getStatus()).isEqualTo(403);
    assertThat(response.getContentType()).startsWith("application/problem+json");
    assertThat(response.getContentAsString()).isEqualTo("{\"type\":\"about:blank\","
        + "\"title\":\"Just-in-time access required\",\"status\":403,"
        + "\"detail\":\"No active just-in-time grant allows 'read' on orders/7: no active grant covers this resource"
        + " and action\",\"instance\":\"/orders/7\",\"resource\":\"orders/7\",\"action\":\"read\"}");

    MockHttpServletResponse other = new MockHttpServletResponse();
    handler.handle(request, other, new AccessDeniedException("plain"));
    assertThat(other.getStatus()).isEqualTo(403);
    assertThat(other.getContentAsString()).isEmpty();
  }

  @Test
  void theBodyCarriesAFixedPublicDetailPerReasonCodeNeverTheInternalReason() {
    for (AccessDecision.Code code : AccessDecision.Code.values()) {
      String internal = "INTERNAL the change feed of jit_grants on db-7 is silent (" + code + ")";
      JitAccessDeniedException denied =
          new JitAccessDeniedException(AccessDecision.deny(code, internal), "orders/7", "read");
      assertThat(AccessDeniedProblem.json(denied, "/orders/7")).as("%s", code)
          .doesNotContain("INTERNAL").doesNotContain("feed").contains("orders/7", "'read'");
      assertThat(new JitAccessProblemDetailsAdvice()
          .accessDenied(denied, new MockHttpServletRequest("GET", "/orders/7")).getBody().getDetail())
          .as("%s", code).isEqualTo(AccessDeniedProblem.detail(denied)).doesNotContain("INTERNAL");
      // The full reason stays where operators look: the exception (logged), the audit.
      assertThat(denied.getMessage()).contains(internal);
    }
    JitAccessDeniedException stale = new JitAccessDeniedException(
        AccessDecision.deny(AccessDecision.Code.STALE, "the grant store's change feed is down"), "orders/7", "read");
    JitAccessDeniedException failed = new JitAccessDeniedException(
        AccessDecision.deny(AccessDecision.Code.FAILED, "the policy threw"), "orders/7", "read");
    // A client cannot tell a store whose feed is down from any other failure to decide.
    assertThat(AccessDeniedProblem.detail(stale)).isEqualTo(AccessDeniedProblem.detail(failed));
  }

  @Test
  void jsonIsEscaped() {
    JitAccessDeniedException denied =
        new JitAccessDeniedException(AccessDecision.deny(AccessDecision.Code.NO_GRANT, "reason"), "x/\"y\"\n<b>", "read");
    assertThat(AccessDeniedProblem.json(denied, null))
        .contains("x/\\\"y\\\"\\n\\u003cb\\u003e")
        .doesNotContain("instance");
  }
}

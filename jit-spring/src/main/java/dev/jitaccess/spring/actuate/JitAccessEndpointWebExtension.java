package dev.jitaccess.spring.actuate;

import java.security.Principal;
import java.util.Objects;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.EndpointWebExtension;
import org.springframework.lang.Nullable;

/** Over HTTP, revoking an unknown grant answers 404 rather than 204, and a refused revocation 403. */
@EndpointWebExtension(endpoint = JitAccessEndpoint.class)
public class JitAccessEndpointWebExtension {

  private final JitAccessEndpoint endpoint;

  public JitAccessEndpointWebExtension(JitAccessEndpoint endpoint) {
    this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
  }

  @DeleteOperation
  public WebEndpointResponse<JitAccessEndpoint.RevokeResult> revoke(@Selector String grantId,
      @Nullable Principal principal, @Nullable String reason) {
    JitAccessEndpoint.RevokeResult result;
    try {
      result = endpoint.revoke(grantId, principal, reason);
    } catch (JitAccessEndpoint.RevocationRefusedException refused) {
      return new WebEndpointResponse<>(403);
    }
    return result == null
        ? new WebEndpointResponse<>(WebEndpointResponse.STATUS_NOT_FOUND)
        : new WebEndpointResponse<>(result, WebEndpointResponse.STATUS_OK);
  }
}

package dev.jitaccess.spring.web;

import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.springframework.boot.json.JsonParserFactory;

/**
 * One user of the HTTP API, as the console is: HTTP Basic (password {@code <user>-pw}), its own cookies (the session
 * that holds the CSRF token), and the CSRF token from {@code GET session} on every change. {@code user == null} is an
 * anonymous caller.
 */
final class WebApiClient {

  private final int port;
  private final String user;
  private final HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
  private String csrfHeader;
  private String csrfToken;

  WebApiClient(int port, String user) {
    this.port = port;
    this.user = user;
  }

  HttpResponse<String> get(String path) {
    return send("GET", path, null, false);
  }

  /** A POST with the session's CSRF token (fetched once). */
  HttpResponse<String> post(String path, String json) {
    return send("POST", path, json, true);
  }

  HttpResponse<String> postWithoutCsrf(String path, String json) {
    return send("POST", path, json, false);
  }

  HttpResponse<String> delete(String path) {
    return send("DELETE", path, null, true);
  }

  HttpResponse<String> send(String method, String path, String json, boolean csrf) {
    return send(method, path, json, csrf, "application/json");
  }

  HttpResponse<String> send(String method, String path, String json, boolean csrf, String contentType) {
    if (csrf && csrfToken == null && user != null) {
      Map<String, Object> session = map(get("/jit/session"));
      @SuppressWarnings("unchecked")
      Map<String, Object> token = (Map<String, Object>) session.get("csrf");
      csrfHeader = (String) token.get("headerName");
      csrfToken = (String) token.get("token");
    }
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30))
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    if (json != null) {
      request.header("Content-Type", contentType);
    }
    if (path.startsWith("/jit/") && !path.startsWith("/jit/assets/")) {
      request.header("Accept", "application/json"); // as the console's fetch sends it, also for problems
    }
    if (user != null) {
      request.header("Authorization", "Basic " + Base64.getEncoder()
          .encodeToString((user + ":" + user + "-pw").getBytes(StandardCharsets.UTF_8)));
    }
    if (csrf && csrfToken != null) {
      request.header(csrfHeader, csrfToken);
    }
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(method + " " + path + " failed", e);
    }
  }

  static Map<String, Object> map(HttpResponse<String> response) {
    return JsonParserFactory.getJsonParser().parseMap(response.body());
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> list(HttpResponse<String> response) {
    return (List<Map<String, Object>>) (List<?>) JsonParserFactory.getJsonParser().parseList(response.body());
  }
}

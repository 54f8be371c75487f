package dev.jitaccess.credential.database;

import dev.jitaccess.AccessRequest;
import dev.jitaccess.GrantHandle;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.Subject;
import dev.jitaccess.policy.PolicyDecision;
import dev.jitaccess.store.GrantStore;
import dev.jitaccess.store.jdbc.JdbcGrantStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.h2.jdbcx.JdbcDataSource;

/**
 * A JVM that holds database logins for grants and is then killed: {@code args} are the H2 URL of the shared
 * grant store, the admin URL, the holder URL, the login prefix, the grant count and their duration in ms. It prints
 * {@code granted <grantId> <user> <password>} per grant (a test's own throwaway secret), then waits to be killed.
 */
public final class CredentialHolderMain {

  private CredentialHolderMain() {}

  public static void main(String[] args) throws Exception {
    JdbcDataSource storeSource = new JdbcDataSource();
    storeSource.setURL(args[0]);
    GrantStore store = JdbcGrantStore.builder().dataSource(storeSource).createSchema(true).build()
        .withoutChangeFeed();
    var admin = ServerDatabases.pool(args[1], "holder-admin");
    DatabaseCredentialIssuer issuer = DatabaseCredentialIssuer.builder()
        .adminDataSource(admin)
        .dialect(DatabaseDialect.postgresql(PostgresDatabaseCredentialTest.GROUP_ROLE))
        .jdbcUrl(args[2])
        .loginPrefix(args[3])
        .privileges(PrivilegeMapping.builder().map("db/orders", "read", "GRANT CONNECT ON DATABASE test TO {{name}}")
            .build())
        .build();
    JitAccessManager jit = JitAccessManager.builder()
        .policy(request -> PolicyDecision.allow("db", request.duration()))
        .store(store)
        .credentialIssuer(issuer)
        .build();
    List<GrantHandle> held = new ArrayList<>();
    for (int i = 0; i < Integer.parseInt(args[4]); i++) {
      GrantHandle handle = jit.acquire(AccessRequest.builder()
          .subject(Subject.service("ci-job-" + i))
          .resource("db/orders")
          .actions("read")
          .duration(Duration.ofMillis(Long.parseLong(args[5])))
          .justification("crash test")
          .build());
      held.add(handle);
      var credential = handle.credential().orElseThrow();
      System.out.println("granted " + handle.grant().id() + " " + credential.attributes().get("user") + " "
          + credential.secret());
    }
    System.out.println("ready");
    new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
  }
}

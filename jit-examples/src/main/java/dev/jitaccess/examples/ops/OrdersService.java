package dev.jitaccess.examples.ops;

import dev.jitaccess.spring.RequiresAccess;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentSkipListMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.stereotype.Service;

/** The production orders: reading needs a grant for {@code read}, a refund one for {@code write} on that order. */
@Service
public class OrdersService {

  private static final Logger log = LoggerFactory.getLogger(OrdersService.class);

  private final Map<String, Order> orders = new ConcurrentSkipListMap<>(Map.of(
      "1001", new Order("1001", "ada", new BigDecimal("42.00"), "PAID"),
      "1002", new Order("1002", "grace", new BigDecimal("17.50"), "PAID"),
      "1003", new Order("1003", "linus", new BigDecimal("99.90"), "PAID")));

  @RequiresAccess(resource = "prod/db/orders", action = "read")
  public List<Order> list() {
    return List.copyOf(orders.values());
  }

  @RequiresAccess(resource = "'prod/db/orders/' + #id", action = "write")
  public Refund refund(String id) {
    Order order = orders.computeIfPresent(id, (k, o) -> o.refunded());
    if (order == null) {
      throw new NoSuchElementException("no order " + id);
    }
    // Everything logged here can be tied to the grant that allowed it.
    String grantId = MDC.get("jit.grantId");
    log.info("refunded order {}", id);
    return new Refund(order, grantId);
  }

  /** A refund and the grant it was made under. */
  public record Refund(Order order, String grantId) {}
}

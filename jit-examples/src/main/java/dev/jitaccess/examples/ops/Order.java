package dev.jitaccess.examples.ops;

import java.math.BigDecimal;

/** An order of the demo shop. */
public record Order(String id, String customer, BigDecimal amount, String status) {

  Order refunded() {
    return new Order(id, customer, amount, "REFUNDED");
  }
}

package dev.jitaccess.examples.ops;

import java.util.List;
import java.util.NoSuchElementException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** The guarded operations. */
@RestController
public class OpsController {

  private final OrdersService orders;
  private final ReconciliationJob reconciliation;

  public OpsController(OrdersService orders, ReconciliationJob reconciliation) {
    this.orders = orders;
    this.reconciliation = reconciliation;
  }

  @GetMapping("/orders")
  public List<Order> orders() {
    return orders.list();
  }

  @PostMapping("/orders/{id}/refund")
  public OrdersService.Refund refund(@PathVariable("id") String id) {
    return orders.refund(id);
  }

  @PostMapping("/jobs/reconcile")
  public ReconciliationJob.Result reconcile() {
    return reconciliation.run();
  }

  @ExceptionHandler(NoSuchElementException.class)
  public ProblemDetail notFound(NoSuchElementException e) {
    return ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, e.getMessage());
  }
}

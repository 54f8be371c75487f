package dev.jitaccess.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitaccess.Subject;
import org.junit.jupiter.api.Test;

/** What {@code requests/mine} remembers of decided requests is bounded per subject and in subjects. */
class RecentRequestsTest {

  @Test
  void keepsTheNewestRequestsOfEachSubjectUpToTheBound() {
    RecentRequests recent = new RecentRequests();
    for (int i = 0; i < RecentRequests.MAX_PER_SUBJECT + 5; i++) {
      recent.add(Subject.user("alice"), "r-" + i);
    }
    recent.add(Subject.user("bob"), "b-1");

    assertThat(recent.of(Subject.user("alice"))).hasSize(RecentRequests.MAX_PER_SUBJECT)
        .startsWith("r-5").endsWith("r-" + (RecentRequests.MAX_PER_SUBJECT + 4));
    assertThat(recent.of(Subject.user("bob"))).containsExactly("b-1");
    assertThat(recent.of(Subject.service("alice"))).isEmpty();
  }

  @Test
  void forgetsTheSubjectSeenLeastRecentlyBeyondTheBound() {
    RecentRequests recent = new RecentRequests();
    recent.add(Subject.user("first"), "r-0");
    for (int i = 0; i < RecentRequests.MAX_SUBJECTS; i++) {
      recent.add(Subject.user("u" + i), "r-" + i);
    }
    assertThat(recent.of(Subject.user("first"))).isEmpty();
    assertThat(recent.of(Subject.user("u0"))).containsExactly("r-0");
  }
}

package dev.jitaccess.spring.web;

import dev.jitaccess.Subject;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ids of the requests each subject made through this API that waited for approval, newest last, so that
 * {@code requests/mine} can show them after they were decided (the engine lists only pending requests; it finds
 * any request by id). Bounded both ways: the subjects seen most recently, and a few requests each.
 *
 * <p>Called from request threads concurrently; every method synchronizes on the one map, and the work under the
 * lock is a few pointer moves.
 */
final class RecentRequests {

  static final int MAX_SUBJECTS = 10_000;
  static final int MAX_PER_SUBJECT = 50;

  private final Map<Subject, Deque<String>> bySubject = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Subject, Deque<String>> eldest) {
      return size() > MAX_SUBJECTS;
    }
  };

  synchronized void add(Subject subject, String requestId) {
    Deque<String> ids = bySubject.computeIfAbsent(subject, s -> new ArrayDeque<>());
    ids.addLast(requestId);
    if (ids.size() > MAX_PER_SUBJECT) {
      ids.removeFirst();
    }
  }

  synchronized List<String> of(Subject subject) {
    Deque<String> ids = bySubject.get(subject);
    return ids == null ? List.of() : List.copyOf(ids);
  }
}

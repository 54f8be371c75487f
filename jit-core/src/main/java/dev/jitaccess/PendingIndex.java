package dev.jitaccess;

import dev.jitaccess.policy.ApprovalRequirement;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The requests waiting for approval that this instance knows of (its own, the store's at start, other instances'
 * through the change feed), with the latest version of each it has seen, indexed by the approvers and approver
 * groups their rule names. So listing what one approver may decide costs the requests that name it or one of its
 * groups, not a pass over every pending request.
 *
 * <p>What is not indexed: which groups an approver is in. The {@link ApproverDirectory} is the application's and
 * may change at any moment, so it is asked once per listing and each of its groups looked up here. Eligibility
 * (not the requester, not approved already) is then judged exactly on each candidate, so the index may name more
 * than is listed, never less.
 *
 * <p>Threads: application threads (requests, decisions), the expiry thread (review windows closing) and the
 * feed's thread call in concurrently. A request's record changes only inside {@code byId.compute} on its id, which
 * also adds it to (on first sight) or removes it from the approver maps, so the two never disagree for long: an
 * approver map is changed only inside {@code compute} on its key, taken always after the id's lock (never the
 * reverse), and its sets are concurrent, so readers iterate them without a lock. A record is replaced only by one
 * with a higher version, so a slow reader of the store (the feed) never puts back an older one over a newer; a
 * request's approvers are fixed when it is made, so they are indexed once.
 */
final class PendingIndex {

  private final ConcurrentHashMap<String, RequestRecord> byId = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Subject, Set<String>> byApprover = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Set<String>> byGroup = new ConcurrentHashMap<>();

  /** Takes {@code record} (a request that waits for approvals) unless a later version of it is known. */
  void put(RequestRecord record) {
    byId.compute(record.id(), (id, known) -> {
      if (known != null) {
        return known.version() >= record.version() ? known : record;
      }
      ApprovalRequirement requirement = record.requirement();
      for (Subject approver : requirement.approvers()) {
        add(byApprover, approver, id);
      }
      for (String group : requirement.approverGroups()) {
        add(byGroup, group, id);
      }
      return record;
    });
  }

  /** Forgets the request: it was decided, cancelled or expired. */
  void remove(String requestId) {
    byId.computeIfPresent(requestId, (id, known) -> {
      ApprovalRequirement requirement = known.requirement();
      for (Subject approver : requirement.approvers()) {
        drop(byApprover, approver, id);
      }
      for (String group : requirement.approverGroups()) {
        drop(byGroup, group, id);
      }
      return null;
    });
  }

  /** Takes a stored change: a request still waiting is kept at its new version, any other leaves. */
  void update(RequestRecord record) {
    if (record.state() == RequestState.PENDING && record.requirement() != null) {
      put(record);
    } else {
      remove(record.id());
    }
  }

  /** The ids known, a snapshot. */
  Set<String> ids() {
    return Set.copyOf(byId.keySet());
  }

  /**
   * The known requests that name {@code approver} or one of {@code groups} among their approvers, each once, in no
   * particular order; not yet judged for eligibility.
   */
  Collection<RequestRecord> candidates(Subject approver, Set<String> groups) {
    Map<String, RequestRecord> found = new HashMap<>();
    collect(byApprover.get(approver), found);
    for (String group : groups) {
      collect(byGroup.get(group), found);
    }
    return found.values();
  }

  /** How many approvers and groups have an entry; for tests: an emptied entry must not linger. */
  int indexedKeys() {
    return byApprover.size() + byGroup.size();
  }

  private void collect(Set<String> ids, Map<String, RequestRecord> found) {
    if (ids == null) {
      return;
    }
    for (String id : ids) {
      RequestRecord record = byId.get(id); // null when removed since: skipped
      if (record != null) {
        found.put(id, record);
      }
    }
  }

  private static <K> void add(ConcurrentHashMap<K, Set<String>> map, K key, String id) {
    map.compute(key, (k, ids) -> {
      Set<String> set = ids != null ? ids : ConcurrentHashMap.newKeySet();
      set.add(id);
      return set;
    });
  }

  private static <K> void drop(ConcurrentHashMap<K, Set<String>> map, K key, String id) {
    map.computeIfPresent(key, (k, ids) -> {
      ids.remove(id);
      return ids.isEmpty() ? null : ids;
    });
  }
}

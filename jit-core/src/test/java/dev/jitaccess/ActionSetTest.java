package dev.jitaccess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.Spliterator;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ActionSetTest {

  @Test
  void iteratesSortedWithoutDuplicates() {
    ActionSet set = ActionSet.of(List.of("write", "admin", "read", "write"));

    assertThat(set).containsExactly("admin", "read", "write");
    assertThat(set.size()).isEqualTo(3);
    assertThat(set.isEmpty()).isFalse();
    assertThat(set.stream().collect(Collectors.toList())).containsExactly("admin", "read", "write");
    List<String> seen = new ArrayList<>();
    set.forEach(seen::add);
    assertThat(seen).containsExactly("admin", "read", "write");
    assertThat(set.toArray()).containsExactly("admin", "read", "write");
    assertThat(set.toArray(new String[0])).containsExactly("admin", "read", "write");
    String[] roomy = {"x", "x", "x", "x", "x"};
    assertThat(set.toArray(roomy)).isSameAs(roomy).containsExactly("admin", "read", "write", null, "x");
  }

  @Test
  void iteratorEndsAndCannotRemove() {
    Iterator<String> it = ActionSet.of(List.of("read")).iterator();

    assertThat(it.next()).isEqualTo("read");
    assertThatThrownBy(it::remove).isInstanceOf(UnsupportedOperationException.class);
    assertThat(it.hasNext()).isFalse();
    assertThatThrownBy(it::next).isInstanceOf(NoSuchElementException.class);
  }

  @Test
  void spliteratorReportsAnImmutableSortedDistinctSet() {
    Spliterator<String> split = ActionSet.of(List.of("read", "deploy")).spliterator();

    assertThat(split.hasCharacteristics(Spliterator.SORTED | Spliterator.DISTINCT | Spliterator.ORDERED
        | Spliterator.IMMUTABLE | Spliterator.NONNULL | Spliterator.SIZED)).isTrue();
    assertThat(split.getComparator()).isNull(); // natural order
    assertThat(split.estimateSize()).isEqualTo(2);
  }

  @Test
  void equalsAndHashCodeAgreeWithEveryOtherSet() {
    ActionSet set = ActionSet.of(List.of("write", "read"));
    List<Set<String>> same = List.of(Set.of("read", "write"), new HashSet<>(List.of("write", "read")),
        new TreeSet<>(List.of("read", "write")), new LinkedHashSet<>(List.of("write", "read")),
        Collections.unmodifiableSet(new TreeSet<>(List.of("read", "write"))));

    for (Set<String> other : same) {
      assertThat(set).isEqualTo(other);
      assertThat(other).isEqualTo(set);
      assertThat(set.hashCode()).isEqualTo(other.hashCode());
    }
    assertThat(set).isNotEqualTo(Set.of("read"));
    assertThat(set).isNotEqualTo(Set.of("read", "write", "admin"));
    assertThat(set).isNotEqualTo(Set.of("read", "deploy"));
    assertThat(Set.of("read", "deploy")).isNotEqualTo(set);
    assertThat(set).isNotEqualTo(List.of("read", "write"));
    assertThat(set).isNotEqualTo(null);
    assertThat(set).isNotEqualTo(ActionSet.of(List.of("read")));
    assertThat(set).isEqualTo(ActionSet.of(new TreeSet<>(List.of("read", "write"))));
  }

  @Test
  void containsOnlyItsActions() {
    ActionSet set = ActionSet.of(List.of("read", "write"));

    assertThat(set.contains("read")).isTrue();
    assertThat(set.contains("write")).isTrue();
    assertThat(set.contains("admin")).isFalse();
    assertThat(set.contains("Read")).isFalse();
    assertThat(set.contains(new String("read"))).isTrue();
    assertThat(set.contains(null)).isFalse();
    assertThat(set.contains(42)).isFalse();
    assertThat(set.containsAll(List.of("write", "read"))).isTrue();
    assertThat(set.containsAll(List.of("write", "admin"))).isFalse();
  }

  @Test
  void everyMutatorThrowsEvenWhenItWouldChangeNothing() {
    ActionSet set = ActionSet.of(List.of("read", "write"));

    assertThatThrownBy(() -> set.add("admin")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> set.add("read")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> set.remove("read")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> set.remove("admin")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> set.addAll(List.of())).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> set.removeAll(List.of())).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> set.retainAll(set)).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> set.removeIf(a -> false)).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(set::clear).isInstanceOf(UnsupportedOperationException.class);
    assertThat(set).containsExactly("read", "write");
  }

  @Test
  void toStringIsTheUsualSetForm() {
    assertThat(ActionSet.of(List.of("write", "read"))).hasToString("[read, write]");
    assertThat(ActionSet.of(List.of("deploy"))).hasToString("[deploy]");
  }

  @Test
  void equalSetsAreOneInstanceAndASetPassesThroughUnchanged() {
    ActionSet first = ActionSet.of(List.of("read", "write"));
    // Fresh strings, as a request parsed from JSON or a row read from a database brings them.
    ActionSet second = ActionSet.of(new ArrayList<>(List.of(new String("write"), new String("read"))));

    assertThat(second).isSameAs(first);
    assertThat(ActionSet.of(first)).isSameAs(first);
    assertThat(second.iterator().next()).isSameAs(first.iterator().next());
  }

  @Test
  void grantsAndRequestsForTheSameActionsShareOneSet() {
    AccessRequest request = AccessRequest.builder()
        .subject(Subject.user("alice"))
        .resource("prod/db/orders")
        .actions(new String("write"), new String("read"))
        .duration(java.time.Duration.ofMinutes(5))
        .build();
    java.time.Instant t0 = java.time.Instant.parse("2026-01-01T00:00:00Z");
    Grant grant = new Grant("g", "r", request.subject(), request.resource(), Set.of("read", "write"), t0,
        t0.plusSeconds(60), GrantState.ACTIVE, null, null, List.of(), false, "rule", 0, null, null);

    assertThat(grant.actions()).isSameAs(request.actions());
    assertThat(grant.withExpiresAt(t0.plusSeconds(120)).actions()).isSameAs(grant.actions());
  }

  @Test
  void rejectsWhatAccessRequestAlwaysRejected() {
    assertThatThrownBy(() -> ActionSet.of(null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("actions must not be null");
    assertThatThrownBy(() -> ActionSet.of(List.of())).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("actions must name at least one action");
    List<String> seventeen = new ArrayList<>();
    for (int i = 0; i < 17; i++) {
      seventeen.add("a" + i);
    }
    assertThatThrownBy(() -> ActionSet.of(seventeen)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("actions must have at most 16, got 17");
    assertThat(ActionSet.of(seventeen.subList(0, 16))).hasSize(16);
    assertThatThrownBy(() -> ActionSet.of(Arrays.asList("read", null))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("action must not be null");
    assertThatThrownBy(() -> ActionSet.of(List.of("read", "Write"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("action must be a lower-case word").hasMessageEndingWith("got \"Write\"");
  }

  @Test
  void survivesSerializationAsTheCanonicalSet() throws Exception {
    ActionSet set = ActionSet.of(List.of("read", "write"));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(set);
    }
    Object back;
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      back = in.readObject();
    }

    assertThat(back).isEqualTo(set).isSameAs(set);
  }

  @Test
  void setsBeyondTheCacheAreStillCorrect() {
    List<ActionSet> sets = new ArrayList<>();
    for (int i = 0; i < ActionSet.CANONICAL_SETS * 3; i++) {
      sets.add(ActionSet.of(List.of("read", "act-" + i)));
    }
    for (int i = 0; i < sets.size(); i++) {
      assertThat(sets.get(i)).containsExactly("act-" + i, "read");
      assertThat(ActionSet.of(List.of("act-" + i, "read"))).isEqualTo(sets.get(i));
    }
  }
}

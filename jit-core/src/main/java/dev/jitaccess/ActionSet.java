package dev.jitaccess;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.jitaccess.internal.Validate;
import jakarta.annotation.Nullable;
import java.io.Serializable;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The actions of a request or a grant: an immutable set of valid action words, sorted, held in one small array.
 *
 * <p>Only {@link #of} makes one, and it validates; an instance is therefore valid by construction, and passing
 * one to {@link #of} again (as every copy of a grant does: extension, end) returns it as it is.
 *
 * <p>Equal sets are made canonical through a bounded cache, so the grants of many requests for the same actions
 * share one set (and one copy of each word) instead of holding a copy each: at a million active grants that is
 * the difference between a few hundred kilobytes and a few hundred megabytes. The cache keeps at most
 * {@value #CANONICAL_SETS} sets and prefers those used often; a set it does not keep is simply not shared,
 * which costs memory, never correctness (sets are compared by {@link #equals}, never by identity).
 *
 * <p>It behaves as {@code Collections.unmodifiableSet(new TreeSet<>(actions))} did before it, with two
 * differences a caller can only notice on purpose: {@link #contains} answers {@code false} for {@code null} or a
 * non-string rather than throwing, and every mutator throws even when it would change nothing.
 */
final class ActionSet extends AbstractSet<String> implements Serializable {

  private static final long serialVersionUID = 1L;

  /** How many distinct sets are shared at most. Each is small: 16 words of at most 32 characters. */
  static final int CANONICAL_SETS = 1_024;

  private static final Cache<ActionSet, ActionSet> CANONICAL = Caffeine.newBuilder()
      .maximumSize(CANONICAL_SETS)
      .executor(Runnable::run) // size maintenance on the caller: a value type starts no threads
      .build();

  /** Sorted, distinct, each a valid action; never empty, never written after construction. */
  private final String[] actions;

  private ActionSet(String[] actions) {
    this.actions = actions;
  }

  /**
   * The canonical set of {@code actions}: sorted, without duplicates.
   *
   * @throws IllegalArgumentException if {@code actions} is null or empty, has more than
   *     {@link AccessRequest#MAX_ACTIONS} elements, or has an element that is not an action
   */
  static ActionSet of(@Nullable Collection<String> actions) {
    if (actions instanceof ActionSet valid) {
      return valid;
    }
    Validate.notNull("actions", actions);
    checkSize(actions.size());
    Object[] given = actions.toArray(); // one snapshot, so a collection that changes under us is judged once
    checkSize(given.length);
    String[] sorted = new String[given.length];
    for (int i = 0; i < given.length; i++) {
      sorted[i] = Validate.action("action", (String) given[i]);
    }
    Arrays.sort(sorted);
    int distinct = 1;
    for (int i = 1; i < sorted.length; i++) {
      if (!sorted[i].equals(sorted[distinct - 1])) {
        sorted[distinct++] = sorted[i];
      }
    }
    ActionSet set = new ActionSet(distinct == sorted.length ? sorted : Arrays.copyOf(sorted, distinct));
    return CANONICAL.get(set, s -> s);
  }

  private static void checkSize(int size) {
    if (size == 0) {
      throw new IllegalArgumentException("actions must name at least one action");
    }
    if (size > AccessRequest.MAX_ACTIONS) {
      throw new IllegalArgumentException("actions must have at most " + AccessRequest.MAX_ACTIONS + ", got " + size);
    }
  }

  @Override
  public int size() {
    return actions.length;
  }

  @Override
  public boolean isEmpty() {
    return false;
  }

  /** A scan of at most {@link AccessRequest#MAX_ACTIONS} words: no hashing, no allocation. */
  @Override
  public boolean contains(@Nullable Object o) {
    for (String action : actions) {
      if (action.equals(o)) {
        return true;
      }
    }
    return false;
  }

  /** In sorted order; {@code remove} is not supported. */
  @Override
  public Iterator<String> iterator() {
    return new Iterator<>() {
      private int next;

      @Override
      public boolean hasNext() {
        return next < actions.length;
      }

      @Override
      public String next() {
        if (next >= actions.length) {
          throw new NoSuchElementException();
        }
        return actions[next++];
      }
    };
  }

  @Override
  public Spliterator<String> spliterator() {
    return Spliterators.spliterator(actions,
        Spliterator.ORDERED | Spliterator.SORTED | Spliterator.DISTINCT | Spliterator.NONNULL | Spliterator.IMMUTABLE);
  }

  @Override
  public void forEach(Consumer<? super String> action) {
    for (String a : actions) {
      action.accept(a);
    }
  }

  @Override
  public Object[] toArray() {
    return Arrays.copyOf(actions, actions.length, Object[].class);
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> T[] toArray(T[] a) {
    int n = actions.length;
    if (a.length < n) {
      return (T[]) Arrays.copyOf(actions, n, a.getClass());
    }
    System.arraycopy(actions, 0, a, 0, n);
    if (a.length > n) {
      a[n] = null;
    }
    return a;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (o instanceof ActionSet other) {
      return Arrays.equals(actions, other.actions);
    }
    return super.equals(o);
  }

  /** As every {@link java.util.Set}: the sum of the elements' hash codes. */
  @Override
  public int hashCode() {
    int h = 0;
    for (String action : actions) {
      h += action.hashCode();
    }
    return h;
  }

  // Immutable: every mutator throws, also when it would change nothing (as Collections.unmodifiableSet does).

  @Override
  public boolean add(String e) {
    throw immutable();
  }

  @Override
  public boolean remove(Object o) {
    throw immutable();
  }

  @Override
  public boolean addAll(Collection<? extends String> c) {
    throw immutable();
  }

  @Override
  public boolean removeAll(Collection<?> c) {
    throw immutable();
  }

  @Override
  public boolean retainAll(Collection<?> c) {
    throw immutable();
  }

  @Override
  public boolean removeIf(Predicate<? super String> filter) {
    throw immutable();
  }

  @Override
  public void clear() {
    throw immutable();
  }

  /** The actions, sorted: the set's own array, for the engine's working copy to share; never to be written. */
  String[] elements() {
    return actions;
  }

  private static UnsupportedOperationException immutable() {
    return new UnsupportedOperationException("the actions of a request or grant are immutable");
  }

  /** A deserialized set is checked like any other and made canonical: a stream cannot forge an invalid one. */
  private Object readResolve() {
    return of(actions == null ? null : Arrays.asList(actions));
  }
}

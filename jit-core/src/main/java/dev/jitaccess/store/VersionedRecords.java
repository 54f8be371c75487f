package dev.jitaccess.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.jitaccess.internal.Validate;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * Records with an id and a version, split into open ones (kept) and closed ones (kept up to a bound), with
 * atomic save and compare-and-set. The in-memory store keeps requests and break-glass reviews in two of these.
 *
 * <p>Threads: any. Every change to one id runs inside {@code open.compute(id, ...)}, so changes to one record
 * are serialized; a record that closes enters the closed cache before it leaves the open map, so a reader
 * always finds one of the two.
 */
final class VersionedRecords<T> {

  private final String kind;
  private final Function<T, String> id;
  private final ToLongFunction<T> version;
  private final Predicate<T> isOpen;
  private final ConcurrentHashMap<String, T> open = new ConcurrentHashMap<>();
  private final Cache<String, T> closed;

  VersionedRecords(String kind, Function<T, String> id, ToLongFunction<T> version, Predicate<T> isOpen,
      int retainedClosed) {
    this.kind = kind;
    this.id = id;
    this.version = version;
    this.isOpen = isOpen;
    this.closed = Caffeine.newBuilder().maximumSize(retainedClosed).executor(Runnable::run).build();
  }

  void save(T record) {
    Validate.notNull(kind, record);
    String key = id.apply(record);
    open.compute(key, (k, current) -> {
      if (current != null || closed.getIfPresent(k) != null) {
        throw new IllegalStateException("a " + kind + " with id " + Validate.show(k) + " already exists");
      }
      if (isOpen.test(record)) {
        return record;
      }
      closed.put(k, record);
      return null;
    });
  }

  boolean compareAndSet(long expectedVersion, T updated) {
    Validate.notNull("updated", updated);
    Validate.requireArgument(version.applyAsLong(updated) == expectedVersion + 1, "updated.version",
        version.applyAsLong(updated), "must be expectedVersion + 1 = " + (expectedVersion + 1));
    String key = id.apply(updated);
    boolean[] replaced = {false};
    open.computeIfPresent(key, (k, current) -> {
      if (version.applyAsLong(current) != expectedVersion) {
        return current;
      }
      replaced[0] = true;
      if (isOpen.test(updated)) {
        return updated;
      }
      closed.put(k, updated);
      return null;
    });
    return replaced[0];
  }

  Optional<T> find(String key) {
    Validate.notNull("id", key);
    T record = open.get(key);
    return Optional.ofNullable(record != null ? record : closed.getIfPresent(key));
  }

  List<T> openRecords() {
    return List.copyOf(open.values());
  }
}

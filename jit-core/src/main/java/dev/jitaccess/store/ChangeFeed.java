package dev.jitaccess.store;

import java.time.Duration;
import java.util.Optional;

/**
 * An optional capability of a {@link GrantStore} that several application instances share: it tells each
 * instance what the others changed, so a grant or a revocation made on one holds on all of them promptly.
 *
 * <p>The engine subscribes once at start and keeps a mirror of the active grants for its check path. The feed
 * is trusted only while it is alive: the engine denies every check once no {@link ChangeListener#alive} has
 * arrived for longer than the staleness bound, and re-reads everything on {@link ChangeListener#resync}. A feed
 * therefore calls {@code alive} more often than every half bound, and calls {@code resync} whenever it may have missed
 * a change (a dropped connection, a gap in a sequence). Changes made by the subscribing instance itself may be
 * reported too; the engine ignores what it already knows.
 */
public interface ChangeFeed {

  /**
   * Starts reporting changes to {@code listener}, from any thread the feed chooses, one call at a time.
   *
   * @return stops the reporting; closing twice is harmless
   */
  AutoCloseable subscribe(ChangeListener listener);

  /**
   * The longest the feed stays silent when connected and up to date: it calls {@link ChangeListener#alive} at
   * least this often. When known, the manager refuses at build time a staleness bound not larger than twice it,
   * since checks would flip to stale between two healthy heartbeats. Default: not known, nothing is checked.
   */
  default Optional<Duration> heartbeatInterval() {
    return Optional.empty();
  }

  /** Receives the changes of a {@link ChangeFeed}. Implemented by the engine. */
  interface ChangeListener {

    /** The grant with this id was saved or changed, by this or another instance. */
    void grantChanged(String grantId);

    /** The waiting request with this id was saved or changed. */
    void requestChanged(String requestId);

    /** The feed may have missed changes: read the whole state again. */
    void resync();

    /** The feed is connected and up to date as of now. */
    void alive();
  }
}

package dev.jitaccess.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a change feed makes of the hints it hears, before any database is involved: one report per id per
 * batch, one resync for a batch too large to read id by id, and nothing for what is not the store's shape. This
 * is what bounds the work between two heartbeats, whatever a flood of forged notifications holds (issue 12, item 6).
 */
class FeedBatchTest {

  private final RecordingListener heard = new RecordingListener();
  private final FeedWorker feed = new PollingFeed(new JdbcGrantStore.FeedSettings(null, "jit_changes",
      "public.jit_changes", "\"public.jit_changes\"", 10_000_000L, 1_000_000_000L, 3_600_000_000_000L, "", "", "",
      ""), heard);

  @Test
  void aBatchReportsEachIdOnceInTheOrderFirstHeard() {
    for (int i = 0; i < 1000; i++) {
      feed.hint("G", "g1");
      feed.hint("R", "r1");
      feed.hint("G", "g2");
    }
    feed.flush();

    assertThat(heard.grants).containsExactly("g1", "g2");
    assertThat(heard.requests).containsExactly("r1");
    assertThat(heard.resyncs).hasValue(0);

    feed.hint("G", "g1");
    feed.flush();
    assertThat(heard.grants).containsExactly("g1", "g2", "g1");
  }

  @Test
  void aBatchOfMoreDistinctIdsThanItReadsOneByOneIsOneResync() {
    for (int i = 0; i <= 200_000; i++) {
      feed.hint("G", "forged-" + i);
    }
    feed.flush();

    assertThat(heard.resyncs).hasValue(1);
    assertThat(heard.grants).isEmpty();

    feed.hint("G", "after");
    feed.flush();
    assertThat(heard.grants).containsExactly("after");
    assertThat(heard.resyncs).hasValue(1);
  }

  @Test
  void theLargestBatchReadOneByOneIsTheBound() {
    for (int i = 0; i < FeedWorker.MAX_HINTS_PER_BATCH; i++) {
      feed.hint("G", "g" + i);
    }
    feed.flush();

    assertThat(heard.grants).hasSize(FeedWorker.MAX_HINTS_PER_BATCH);
    assertThat(heard.resyncs).hasValue(0);
  }

  @Test
  void hintsThatAreNotTheStoresShapeAreIgnoredAndCounted() {
    List<String[]> malformed = List.of(new String[] {"X", "abc"}, new String[] {"g", "abc"},
        new String[] {"GG", "abc"}, new String[] {"G", ""}, new String[] {"G", " abc"}, new String[] {"G", "abc "},
        new String[] {"G", "a\u0001b"}, new String[] {"G", "a\u202Eb"}, new String[] {"G", "a".repeat(257)},
        new String[] {null, "abc"}, new String[] {"G", null});
    for (String[] hint : malformed) {
      feed.hint(hint[0], hint[1]);
    }
    feed.hint("B", "a-review-concerns-nobody-here");
    feed.flush();

    assertThat(heard.grants).isEmpty();
    assertThat(heard.requests).isEmpty();
    assertThat(heard.resyncs).hasValue(0);
    assertThat(feed.ignoredHints()).isEqualTo(malformed.size());
  }

  @Test
  void aResyncAskedForCoversWhatTheBatchHeld() {
    feed.hint("G", "g1");
    feed.resyncLater();
    feed.hint("G", "g2");
    feed.flush();

    assertThat(heard.resyncs).hasValue(1);
    assertThat(heard.grants).isEmpty();
  }
}

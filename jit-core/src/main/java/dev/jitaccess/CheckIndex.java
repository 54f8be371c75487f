package dev.jitaccess;

import jakarta.annotation.Nullable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The check path's index: per subject one flat, immutable {@link Entry} holding what a check of that subject reads
 * (each active grant's name key, window, action and first-use bits in one {@code long[]}, its name or pattern and
 * decision in one {@code Object[]}), and the subject's per-limit counts. A check reads the map entry and that one
 * record; the grants' working copies ({@link LiveGrant}) are read only on the rare paths (a window the record does
 * not show open, a pattern's first use).
 *
 * <h2>Threads</h2>
 * Checks run on any application thread and take no lock: one {@link ConcurrentHashMap#get}, then final fields.
 * Every change of a subject's entry (a grant added, refreshed or removed, a first use claimed, a count moved) is
 * made inside {@code entries.compute} on that subject, which builds the next record from the current one and
 * publishes it whole; so changes of one subject are serialised and a reader sees one record or the next, never a
 * mix. The engine changes a grant's entry from inside its own per-grant lock ({@code live.compute} in
 * {@link DefaultJitAccessManager}): always that lock first, then this one, never the other way round.
 *
 * <h2>Linearizability with the working copies</h2>
 * The record shows a grant's <em>committed</em> view (see {@link LiveGrant.View}): it is refreshed after every new
 * view, before the call that made it returns, and the grant leaves the record before its end is reported. So:
 * <ul>
 *   <li>a window the record shows open was open in a view that was current during the check;</li>
 *   <li>a window the record shows closed is decided by the grant's view, read after the clock, exactly as the
 *       extension protocol requires (a pending extension is settled as lost by {@link LiveGrant#viewAt});</li>
 *   <li>an ended grant is off the record by the time anyone hears it ended;</li>
 *   <li>a bound grant is skipped unless the check is its handle's.</li>
 * </ul>
 *
 * <h2>Per-subject limits</h2>
 * A request {@linkplain #reserveGrant reserves} a slot before its I/O; publishing the grant (or noting the pending
 * request) hands the slot over atomically with the thing becoming counted; closing an unused slot releases it. So
 * racing requests of one subject cannot both take the last free place, and a failed one frees it. What is counted
 * only shrinks when a grant or request ends, which can only make a racing decision err towards refusing.
 */
final class CheckIndex {

  /** What the engine decides for the index on the rare paths: the policy at a start, the audit of a use. */
  interface Gate {
    /** A check found a scheduled grant's window open before its timer asked the policy: whether it still allows. */
    boolean allowedAtStart(LiveGrant grant, Grant version);

    /** Writes the {@code ACCESS_USED} event; {@code false} (reported) when the audit refused it. */
    boolean audited(Grant grant, String resource, String action);
  }

  /** Action bits are the low ones, used bits follow; a subject with more distinct actions marks grants WIDE. */
  static final int TABLE = 24;
  private static final int USED = TABLE;
  private static final long PATTERN = 1L << 48;
  private static final long BOUND = 1L << 49;
  /** The start is not handled yet: decided on the grant's working copy. */
  private static final long UNSTARTED = 1L << 50;
  /**
   * Some action of the grant is not among the first {@link #TABLE} of the subject's actions: its actions are matched
   * and its uses audited on its working copy.
   */
  private static final long WIDE = 1L << 51;
  /** Per grant in {@link Entry#data}, after the keys: notBefore, expiresAt, flags. */
  private static final int STRIDE = 3;
  /** Per grant in {@link Entry#refs}: name or pattern, working copy, view (for its decision). */
  private static final int REFS = 3;

  private final ConcurrentHashMap<Subject, Entry> entries = new ConcurrentHashMap<>();
  private final UsageAudit usage;
  private final Gate gate;

  CheckIndex(UsageAudit usage, Gate gate) {
    this.usage = usage;
    this.gate = gate;
  }

  // ---------------------------------------------------------------- the check

  /**
   * The decision of the first grant of {@code subject} (in the order they were added) that allows the check, or
   * {@code null} when none does. {@code resource} and {@code action} are not validated yet: a name equal to a
   * grant's, or matching its pattern, is valid.
   *
   * @param held {@code null} for an ordinary check, which no bound grant allows; else the one grant that may allow
   * @param now engine time, read before this call
   */
  @Nullable
  AccessDecision check(Subject subject, String resource, String action, long now, @Nullable LiveGrant held) {
    Entry entry = entries.get(subject);
    if (entry == null) {
      return null;
    }
    long[] data = entry.data;
    Object[] refs = entry.refs;
    int n = entry.size;
    String[] actions = entry.actions;
    int ai = -1;
    for (int j = 0; j < actions.length && j < TABLE; j++) {
      if (actions[j].equals(action)) {
        ai = j;
        break;
      }
    }
    long key = key(resource, resource.length());
    int validName = 0; // 1 valid, -1 not, 0 not looked at yet
    int prefixLength = -1; // the last pattern prefix key computed, as grants often share one
    long prefixKey = 0;
    for (int i = 0; i < n; i++) {
      long flags = data[n + i * STRIDE + 2];
      if ((flags & PATTERN) != 0) {
        // A name matching the pattern starts with its literal prefix, followed by '/' or the end of the name.
        int length = (int) (data[i] >>> 32);
        if (length > 0) {
          if (length > resource.length() || (length < resource.length() && resource.charAt(length) != '/')) {
            continue;
          }
          if (length != prefixLength) {
            prefixLength = length;
            prefixKey = key(resource, length);
          }
          if (prefixKey != data[i]) {
            continue;
          }
        }
        if (validName == 0) {
          validName = ResourcePattern.isName(resource) ? 1 : -1;
        }
        if (validName < 0 || !((ResourcePattern) refs[i * REFS]).matchesName(resource)) {
          continue;
        }
      } else if (data[i] != key || !refs[i * REFS].equals(resource)) {
        continue;
      }
      if (held != null ? refs[i * REFS + 1] != held : (flags & BOUND) != 0) {
        continue; // a bound grant allows only through its handle
      }
      AccessDecision decision = allowIfEffective(subject, entry, i, flags, resource, action, ai, now);
      if (decision != null) {
        return decision;
      }
    }
    return null;
  }

  /** For grant {@code i}, whose resource matches: its decision if it covers the action and is effective now. */
  @Nullable
  private AccessDecision allowIfEffective(Subject subject, Entry entry, int i, long flags, String resource,
      String action, int ai, long now) {
    LiveGrant grant = (LiveGrant) entry.refs[i * REFS + 1];
    if ((flags & WIDE) != 0 ? grant.actionIndex(action) < 0 : ai < 0 || (flags >>> ai & 1) == 0) {
      return null;
    }
    int at = entry.size + i * STRIDE;
    AccessDecision allow;
    if ((flags & UNSTARTED) == 0 && entry.data[at] <= now && now < entry.data[at + 1]) {
      allow = ((LiveGrant.View) entry.refs[i * REFS + 2]).allow();
    } else {
      // The record shows the committed view; the working copy settles an extension in flight (see the class comment).
      LiveGrant.View view = grant.view;
      if (view.notBefore > now || now >= view.expiresAt) {
        if (view.extension == null) {
          return null;
        }
        view = grant.viewAt(now);
        if (view.notBefore > now || now >= view.expiresAt) {
          return null;
        }
      }
      if (!grant.started && !grant.allowedAtStart && !gate.allowedAtStart(grant, view.grant)) {
        return null;
      }
      allow = view.allow();
    }
    return used(subject, entry, i, grant, flags, ai, resource, action, allow);
  }

  private AccessDecision used(Subject subject, Entry entry, int i, LiveGrant grant, long flags, int ai,
      String resource, String action, AccessDecision allow) {
    switch (usage) {
      case NONE:
        return allow;
      case FIRST_USE:
        if ((flags & (PATTERN | WIDE)) == 0) {
          // Kept in the record: claimed by replacing it, so that of racing first uses one audits.
          if ((flags >>> (USED + ai) & 1) != 0) {
            return allow;
          }
          String word = entry.actions[ai];
          int claimed = update(subject, grant, draft -> draft.setUsed(grant, word, true));
          if (claimed <= 0) {
            return claimed == 0 ? allow : null; // someone else claimed it; or the grant just left
          }
          if (gate.audited(allow.grant(), resource, word)) {
            return allow;
          }
          update(subject, grant, draft -> draft.setUsed(grant, word, false));
          return DefaultJitAccessManager.USE_NOT_AUDITED;
        }
        if ((flags & WIDE) == 0 && entry.learned(i, ai, resource)) {
          return allow;
        }
        // The working copy holds the truth of a pattern's uses; the record learns those it can keep.
        int own = grant.actionIndex(action);
        if (!grant.isUseRecorded(resource, own) && grant.claimUse(resource, own)) {
          if (!gate.audited(allow.grant(), resource, grant.actions[own])) {
            grant.unclaimUse(resource, own);
            return DefaultJitAccessManager.USE_NOT_AUDITED;
          }
        }
        if ((flags & WIDE) == 0 && entry.learnedUses() < LEARNED) {
          update(subject, grant, draft -> draft.learn(grant, resource, grant.actions[own]));
        }
        return allow;
      case EVERY_USE:
      default:
        return gate.audited(allow.grant(), resource, grant.actions[grant.actionIndex(action)])
            ? allow : DefaultJitAccessManager.USE_NOT_AUDITED;
    }
  }

  /** A change to one subject's record, made on a {@link Draft}; returns what {@link #update} returns. */
  private interface Change {
    int apply(Draft draft);
  }

  /**
   * Applies {@code change} to the record of {@code subject} if {@code grant} is in it (any grant if null).
   *
   * @return what the change returned; -1 if the grant is not indexed
   */
  private int update(Subject subject, @Nullable LiveGrant grant, Change change) {
    int[] result = {-1};
    entries.computeIfPresent(subject, (s, entry) -> {
      if (grant != null && entry.indexOf(grant) < 0) {
        return entry;
      }
      Draft draft = entry.draft();
      result[0] = change.apply(draft);
      return draft.build();
    });
    return result[0];
  }

  // ---------------------------------------------------------------- changes (the engine's write paths)

  /**
   * Indexes a grant just made active (last of its subject's); hands over {@code slot} (a reservation of the
   * active-grant limit) in the same step, so the grant is never counted twice or not at all.
   */
  void add(LiveGrant grant, @Nullable Slot slot) {
    entries.compute(grant.subject, (s, entry) -> {
      Draft draft = (entry != null ? entry : Entry.EMPTY).draft();
      if (slot != null && slot.take(true)) {
        draft.reservedGrants--;
      }
      draft.grants.add(grant);
      draft.ownUsed.add(0L);
      return draft.build();
    });
  }

  /** Shows the grant's current view (a new version, its start handled): call after every change of either. */
  void refresh(LiveGrant grant) {
    update(grant.subject, grant, draft -> 0);
  }

  /** Takes the grant off the check path; nothing if it is not indexed. */
  void remove(LiveGrant grant) {
    update(grant.subject, grant, draft -> {
      int i = draft.grants.indexOf(grant);
      draft.grants.remove(i);
      draft.ownUsed.remove(i);
      return 0;
    });
  }

  /** The grants of a subject as indexed now, in order. */
  LiveGrant[] grants(Subject subject) {
    Entry entry = entries.get(subject);
    if (entry == null) {
      return new LiveGrant[0];
    }
    LiveGrant[] grants = new LiveGrant[entry.size];
    for (int i = 0; i < grants.length; i++) {
      grants[i] = (LiveGrant) entry.refs[i * REFS + 1];
    }
    return grants;
  }

  // ---------------------------------------------------------------- per-subject limits

  /** Reserves a place under the limit of active grants; {@code null} when {@code limit} is reached. */
  @Nullable
  Slot reserveGrant(Subject subject, int limit) {
    return reserve(subject, limit, true);
  }

  /**
   * Reserves a place under the limit of pending requests; {@code null} when {@code limit} is reached. The
   * reservation is handed over by {@link #pendingAdded} or released by closing it.
   */
  @Nullable
  Slot reservePending(Subject subject, int limit) {
    return reserve(subject, limit, false);
  }

  /** A request of {@code subject} now waits for approval here; hands over {@code slot} if it was reserved for it. */
  void pendingAdded(Subject subject, @Nullable Slot slot) {
    count(subject, slot != null && slot.take(false) ? -1 : 0, 1, 0);
  }

  /** A request of {@code subject} no longer waits for approval here. */
  void pendingRemoved(Subject subject) {
    count(subject, 0, -1, 0);
  }

  /** How many requests of {@code subject} wait for approval here. */
  int pending(Subject subject) {
    Entry entry = entries.get(subject);
    return entry == null ? 0 : entry.pending;
  }

  @Nullable
  private Slot reserve(Subject subject, int limit, boolean grant) {
    boolean[] taken = {false};
    entries.compute(subject, (s, entry) -> {
      Entry current = entry != null ? entry : Entry.EMPTY;
      int held = grant ? current.size + current.reservedGrants : current.pending + current.reservedPending;
      if (held >= limit) {
        return entry;
      }
      taken[0] = true;
      return current.counted(current.reservedGrants + (grant ? 1 : 0), current.pending,
          current.reservedPending + (grant ? 0 : 1));
    });
    return taken[0] ? new Slot(subject, grant) : null;
  }

  /** Moves the counts of {@code subject}: reserved pending, pending, reserved grants (in that order of deltas). */
  private void count(Subject subject, int reservedPending, int pending, int reservedGrants) {
    entries.compute(subject, (s, entry) -> {
      Entry current = entry != null ? entry : Entry.EMPTY;
      Entry next = current.counted(current.reservedGrants + reservedGrants, Math.max(0, current.pending + pending),
          current.reservedPending + reservedPending);
      return next.size == 0 && next.reservedGrants == 0 && next.pending == 0 && next.reservedPending == 0
          ? null : next;
    });
  }

  /** A reserved place under a limit; used by the one thread that reserved it. Closing an unused one releases it. */
  final class Slot implements AutoCloseable {
    private final Subject subject;
    private final boolean grant;
    private boolean done;

    private Slot(Subject subject, boolean grant) {
      this.subject = subject;
      this.grant = grant;
    }

    /** Marks the slot handed over, inside the change that counts what it was reserved for. */
    private boolean take(boolean forGrant) {
      if (done || forGrant != grant) {
        return false;
      }
      done = true;
      return true;
    }

    @Override
    public void close() {
      if (!done) {
        done = true;
        count(subject, grant ? 0 : -1, 0, grant ? -1 : 0);
      }
    }
  }

  // ---------------------------------------------------------------- the record

  /**
   * {@code length << 32 | hash} of {@code name}'s first {@code length} characters, hashed as String does: a
   * necessary condition on a name, read without touching the grant (the whole name of an exact grant; a pattern's
   * literal prefix, the text before its first wildcard segment without the '/').
   */
  static long key(String name, int length) {
    int hash;
    if (length == name.length()) {
      hash = name.hashCode();
    } else {
      hash = 0;
      for (int i = 0; i < length; i++) {
        hash = 31 * hash + name.charAt(i);
      }
    }
    return (long) length << 32 | (hash & 0xFFFF_FFFFL);
  }

  private static long keyOf(LiveGrant grant) {
    String exact = grant.exactName;
    if (exact != null) {
      return key(exact, exact.length());
    }
    String text = grant.pattern.text();
    return key(text, Math.max(0, text.indexOf('*') - 1));
  }

  /** Pattern uses (resource, grant) a record keeps at most; beyond, they are looked up on the working copies. */
  static final int LEARNED = 16;

  /**
   * A subject's record taken apart for a change: the grants in order and, per grant, the first uses audited as bits
   * over its own (sorted) actions, so that they survive a change of the subject's action table.
   */
  private static final class Draft {
    final List<LiveGrant> grants = new ArrayList<>();
    final List<Long> ownUsed = new ArrayList<>();
    /** Pattern uses the record keeps: resource, grant, and its own action bits. */
    final List<String> useNames = new ArrayList<>();
    final List<LiveGrant> useOwners = new ArrayList<>();
    final List<Long> useBits = new ArrayList<>();
    int reservedGrants;
    int pending;
    int reservedPending;

    /** @return 1 if this set the bit, 0 if it was as asked already */
    int setUsed(LiveGrant grant, String word, boolean used) {
      int i = grants.indexOf(grant);
      long bit = 1L << grant.actionIndex(word);
      long before = ownUsed.get(i);
      ownUsed.set(i, used ? before | bit : before & ~bit);
      return (before & bit) != 0 == used ? 0 : 1;
    }

    /** Keeps an audited pattern use (the working copy has it) so that checks find it in the record. */
    int learn(LiveGrant grant, String resource, String word) {
      long bit = 1L << grant.actionIndex(word);
      for (int j = 0; j < useNames.size(); j++) {
        if (useOwners.get(j) == grant && useNames.get(j).equals(resource)) {
          useBits.set(j, useBits.get(j) | bit);
          return 0;
        }
      }
      if (useNames.size() < LEARNED) {
        useNames.add(resource);
        useOwners.add(grant);
        useBits.add(bit);
      }
      return 0;
    }

    /** The record of the draft's grants as their working copies stand now; null when nothing is left to keep. */
    @Nullable
    Entry build() {
      int n = grants.size();
      if (n == 0 && reservedGrants == 0 && pending == 0 && reservedPending == 0) {
        return null;
      }
      String[] actions;
      if (n == 1) {
        actions = grants.get(0).actions; // canonical, shared with every grant of the same actions
      } else {
        TreeSet<String> all = new TreeSet<>();
        for (LiveGrant grant : grants) {
          all.addAll(Arrays.asList(grant.actions));
        }
        // Canonical (shared between subjects, so likely in cache) when it can be an action set.
        actions = all.isEmpty() ? new String[0] : all.size() <= AccessRequest.MAX_ACTIONS
            ? ActionSet.of(all).elements() : all.toArray(new String[0]);
      }
      int learned = 0;
      for (LiveGrant owner : useOwners) {
        if (grants.contains(owner)) {
          learned++;
        }
      }
      long[] data = new long[n + n * STRIDE + 2 * learned];
      Object[] refs = new Object[n * REFS + learned];
      for (int i = 0; i < n; i++) {
        LiveGrant grant = grants.get(i);
        LiveGrant.View view = grant.view; // a pending view answers like the one before it
        long flags = unionBits(grant, actions, -1L);
        if (flags < 0) {
          flags = WIDE;
        } else {
          flags |= unionBits(grant, actions, ownUsed.get(i)) << USED;
        }
        if (grant.exactName == null) {
          flags |= PATTERN;
        }
        if (grant.bound) {
          flags |= BOUND;
        }
        if (!grant.started && !grant.allowedAtStart) {
          flags |= UNSTARTED;
        }
        data[i] = keyOf(grant);
        data[n + i * STRIDE] = view.notBefore;
        data[n + i * STRIDE + 1] = view.expiresAt;
        data[n + i * STRIDE + 2] = flags;
        refs[i * REFS] = grant.exactName != null
            ? grant.exactName : grant.pattern;
        refs[i * REFS + 1] = grant;
        refs[i * REFS + 2] = view; // its decision is made on the first check that allows, not per grant up front
      }
      int at = 0;
      for (int j = 0; j < useNames.size(); j++) {
        int i = grants.indexOf(useOwners.get(j));
        if (i >= 0) {
          data[n + n * STRIDE + 2 * at] = (long) i << 32 | (useNames.get(j).hashCode() & 0xFFFF_FFFFL);
          data[n + n * STRIDE + 2 * at + 1] = unionBits(grants.get(i), actions, useBits.get(j));
          refs[n * REFS + at] = useNames.get(j);
          at++;
        }
      }
      return new Entry(n, data, refs, actions, reservedGrants, pending, reservedPending);
    }

    /**
     * Bits over {@code actions} of those of the grant's own actions set in {@code own}; -1 when one falls beyond
     * the {@link #TABLE} (the grant is then WIDE).
     */
    private static long unionBits(LiveGrant grant, String[] actions, long own) {
      long bits = 0;
      for (int a = 0; a < grant.actions.length; a++) {
        if ((own >>> a & 1) != 0) {
          int ai = Arrays.binarySearch(actions, grant.actions[a]);
          if (ai >= TABLE) {
            return -1;
          }
          bits |= 1L << ai;
        }
      }
      return bits;
    }
  }

  /** One subject's record: immutable, replaced whole on every change (see the class comment). */
  static final class Entry {
    static final Entry EMPTY = new Entry(0, new long[0], new Object[0], new String[0], 0, 0, 0);

    /** How many grants. */
    final int size;
    /**
     * Per grant its name key ({@link #key}); then per grant notBefore, expiresAt (engine time) and flags; then per
     * learned pattern use, {@code grant << 32 | resource hash} and the action bits audited.
     */
    final long[] data;
    /**
     * Per grant its exact name ({@code String}) or pattern, its working copy, and the view whose decision it hands out; then
     * per learned pattern use its resource.
     */
    final Object[] refs;
    /** The distinct actions of the subject's grants, sorted: the action bits index into it. */
    final String[] actions;
    /** Places reserved under the active-grant limit, not yet handed over. */
    final int reservedGrants;
    /** Requests of the subject waiting for approval here. */
    final int pending;
    /** Places reserved under the pending-request limit, not yet handed over. */
    final int reservedPending;

    Entry(int size, long[] data, Object[] refs, String[] actions, int reservedGrants, int pending,
        int reservedPending) {
      this.size = size;
      this.data = data;
      this.refs = refs;
      this.actions = actions;
      this.reservedGrants = reservedGrants;
      this.pending = pending;
      this.reservedPending = reservedPending;
    }

    /** The same grants with other counts: the arrays are shared, as neither changes. */
    Entry counted(int reservedGrants, int pending, int reservedPending) {
      return new Entry(size, data, refs, actions, reservedGrants, pending, reservedPending);
    }

    int indexOf(LiveGrant grant) {
      for (int i = 0; i < size; i++) {
        if (refs[i * REFS + 1] == grant) {
          return i;
        }
      }
      return -1;
    }

    int learnedUses() {
      return refs.length - size * REFS;
    }

    /** Whether the record knows that grant {@code i} was used on {@code resource} for action {@code ai}. */
    boolean learned(int i, int ai, String resource) {
      long want = (long) i << 32 | (resource.hashCode() & 0xFFFF_FFFFL);
      int base = size + size * STRIDE;
      for (int j = base; j < data.length; j += 2) {
        if (data[j] == want && (data[j + 1] >>> ai & 1) != 0 && refs[size * REFS + (j - base) / 2].equals(resource)) {
          return true;
        }
      }
      return false;
    }

    /** This record taken apart, for a change. */
    Draft draft() {
      Draft draft = new Draft();
      for (int i = 0; i < size; i++) {
        LiveGrant grant = (LiveGrant) refs[i * REFS + 1];
        draft.grants.add(grant);
        draft.ownUsed.add(ownBits(grant, data[size + i * STRIDE + 2] >>> USED));
      }
      int base = size + size * STRIDE;
      for (int j = 0; j < learnedUses(); j++) {
        LiveGrant grant = draft.grants.get((int) (data[base + 2 * j] >>> 32));
        draft.useNames.add((String) refs[size * REFS + j]);
        draft.useOwners.add(grant);
        draft.useBits.add(ownBits(grant, data[base + 2 * j + 1]));
      }
      draft.reservedGrants = reservedGrants;
      draft.pending = pending;
      draft.reservedPending = reservedPending;
      return draft;
    }

    /** {@code bits} over this record's actions as bits over the grant's own. */
    private long ownBits(LiveGrant grant, long bits) {
      long own = 0;
      for (int a = 0; a < grant.actions.length; a++) {
        int ai = Arrays.binarySearch(actions, grant.actions[a]);
        if (ai >= 0 && ai < TABLE && (bits >>> ai & 1) != 0) {
          own |= 1L << a;
        }
      }
      return own;
    }
  }
}

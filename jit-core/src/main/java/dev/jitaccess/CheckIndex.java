package dev.jitaccess;

import jakarta.annotation.Nullable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The check path's index: per subject one immutable {@link Entry} holding what a check of that subject reads (each
 * active grant's name key, flags for its actions and first uses, window, name or pattern and committed view; the
 * pattern uses it learned were audited; the subject's per-limit counts). A subject of one grant, the common case,
 * has it in the fields of one object ({@link Single}); others in a {@code long[]} and an {@code Object[]} of rows
 * ({@link Flat}). A check reads the map entry and that one record; the grants' working copies ({@link LiveGrant})
 * are read only on the rare paths (a window the record does not show open, an action beyond the record's table, a
 * pattern's first use).
 *
 * <h2>Threads</h2>
 * Checks run on any application thread and take no lock: one {@link ConcurrentHashMap#get}, then final fields (and
 * arrays written only before the record holding them was published). Every change of a subject's entry (a grant
 * added, refreshed or removed, a first use claimed or learned, a count moved) is made inside
 * {@code entries.compute} on that subject, which builds the next record from the current one (copies of its
 * arrays with one row changed, added or taken out; taken apart and rebuilt only when the action table changes) and
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
 *   <li>a bound grant is skipped unless the check is its handle's;</li>
 *   <li>a first use kept in the record is claimed by replacing the record, so of racing first uses one audits;</li>
 *   <li>a learned pattern use names its grant by position and stands for a match of its (final) pattern: the
 *       change that takes a grant out drops its uses and moves later grants' up, in the same record.</li>
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
  /** The first-use bits of a flags word. */
  private static final long USED_BITS = ((1L << TABLE) - 1) << USED;
  /**
   * Per grant in a record's data: name key, flags (side by side, as a scan reads both of every grant it passes),
   * notBefore, expiresAt.
   */
  private static final int STRIDE = 4;
  /** Per grant in a record's references: name or pattern, working copy, view (for its decision). */
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
    int n = entry.size();
    long key = key(resource, resource.length());
    int validName = 0; // 1 valid, -1 not, 0 not looked at yet
    int prefixLength = -1; // the last pattern prefix key computed, as grants often share one
    long prefixKey = 0;
    for (int i = 0; i < n; i++) {
      long flags = entry.flags(i);
      int use = -1;
      if ((flags & PATTERN) != 0) {
        // A name matching the pattern starts with its literal prefix, followed by '/' or the end of the name.
        long grantKey = entry.key(i);
        int length = (int) (grantKey >>> 32);
        if (length > 0) {
          if (length > resource.length() || (length < resource.length() && resource.charAt(length) != '/')) {
            continue;
          }
          if (length != prefixLength) {
            prefixLength = length;
            prefixKey = key(resource, length);
          }
          if (prefixKey != grantKey) {
            continue;
          }
        }
        // A name the record learned a use of matched the pattern then, and a grant's pattern never changes.
        use = entry.learnedUse(i, resource);
        if (use < 0) {
          if (validName == 0) {
            validName = ResourcePattern.isName(resource) ? 1 : -1;
          }
          if (validName < 0 || !((ResourcePattern) entry.name(i)).matchesName(resource)) {
            continue;
          }
        }
      } else if (entry.key(i) != key || !entry.name(i).equals(resource)) {
        continue;
      }
      if (held != null ? entry.grant(i) != held : (flags & BOUND) != 0) {
        continue; // a bound grant allows only through its handle
      }
      AccessDecision decision = allowIfEffective(subject, entry, i, flags, use, resource, action, now);
      if (decision != null) {
        return decision;
      }
    }
    return null;
  }

  /**
   * For grant {@code i}, whose resource matches (learned as its use {@code use}, or -1): its decision if it covers
   * the action and is effective now. Reads the working copy only when the record cannot decide.
   */
  @Nullable
  private AccessDecision allowIfEffective(Subject subject, Entry entry, int i, long flags, int use, String resource,
      String action, long now) {
    int ai = -1;
    if ((flags & WIDE) != 0) {
      if (entry.grant(i).actionIndex(action) < 0) {
        return null;
      }
    } else {
      ai = tableIndex(entry.actions, action);
      if (ai < 0 || (flags >>> ai & 1) == 0) {
        return null;
      }
    }
    AccessDecision allow;
    if ((flags & UNSTARTED) == 0 && entry.notBefore(i) <= now && now < entry.expiresAt(i)) {
      allow = entry.view(i).allow();
    } else {
      // The record shows the committed view; the working copy settles an extension in flight (see the class comment).
      LiveGrant grant = entry.grant(i);
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
    return used(subject, entry, i, flags, ai, use, resource, action, allow);
  }

  private AccessDecision used(Subject subject, Entry entry, int i, long flags, int ai, int use, String resource,
      String action, AccessDecision allow) {
    switch (usage) {
      case NONE:
        return allow;
      case FIRST_USE:
        if ((flags & (PATTERN | WIDE)) == 0) {
          // Kept in the record: claimed by replacing it, so that of racing first uses one audits.
          if ((flags >>> (USED + ai) & 1) != 0) {
            return allow;
          }
          LiveGrant grant = entry.grant(i);
          String word = entry.actions[ai];
          int claimed = setUsed(grant, word, true);
          if (claimed <= 0) {
            return claimed == 0 ? allow : null; // someone else claimed it; or the grant just left
          }
          if (gate.audited(allow.grant(), resource, word)) {
            return allow;
          }
          setUsed(grant, word, false);
          return DefaultJitAccessManager.USE_NOT_AUDITED;
        }
        if ((flags & WIDE) == 0 && entry.learned(use, ai)) {
          return allow;
        }
        // The working copy holds the truth of a pattern's uses; the record learns those it can keep.
        LiveGrant grant = entry.grant(i);
        int own = grant.actionIndex(action);
        if (!grant.isUseRecorded(resource, own) && grant.claimUse(resource, own)) {
          if (!gate.audited(allow.grant(), resource, grant.actions[own])) {
            grant.unclaimUse(resource, own);
            return DefaultJitAccessManager.USE_NOT_AUDITED;
          }
        }
        if ((flags & WIDE) == 0 && entry.learnedUses() < LEARNED) {
          learn(grant, resource, grant.actions[own]);
        }
        return allow;
      case EVERY_USE:
      default:
        LiveGrant working = entry.grant(i);
        return gate.audited(allow.grant(), resource, working.actions[working.actionIndex(action)])
            ? allow : DefaultJitAccessManager.USE_NOT_AUDITED;
    }
  }

  /** The index of {@code action} in a record's action table, or -1 (also when beyond the {@link #TABLE}). */
  private static int tableIndex(String[] actions, String action) {
    int length = Math.min(actions.length, TABLE);
    for (int j = 0; j < length; j++) {
      if (actions[j].equals(action)) { // callers mostly pass the very constant granted: equals then tests identity
        return j;
      }
    }
    return -1;
  }

  // ---------------------------------------------------------------- changes (the engine's write paths)

  /**
   * Indexes a grant just made active (last of its subject's); hands over {@code slot} (a reservation of the
   * active-grant limit) in the same step, so the grant is never counted twice or not at all.
   */
  void add(LiveGrant grant, @Nullable Slot slot) {
    entries.compute(grant.subject, (s, current) -> {
      Entry entry = current != null ? current : Entry.EMPTY;
      int reservedGrants = entry.reservedGrants - (slot != null && slot.take(true) ? 1 : 0);
      int n = entry.size();
      String[] actions = n == 0 ? grant.actions : entry.actions;
      if (!containsAll(actions, grant.actions)) {
        // The action table grows, so every grant's bits move: rare, rebuilt from the grants.
        Draft draft = entry.draft();
        draft.reservedGrants = reservedGrants;
        draft.grants.add(grant);
        draft.ownUsed.add(0L);
        return draft.build();
      }
      long[] data = Arrays.copyOf(entry.data(), (n + 1) * STRIDE);
      Object[] refs = Arrays.copyOf(entry.refs(), (n + 1) * REFS);
      row(data, refs, n, grant, actions, 0);
      return Entry.of(n + 1, data, refs, actions, entry.uses, entry.useNames, reservedGrants, entry.pending,
          entry.reservedPending);
    });
  }

  /** Shows the grant's current view (a new version, its start handled): call after every change of either. */
  void refresh(LiveGrant grant) {
    change(grant, (entry, i) -> {
      long[] data = entry.data().clone();
      Object[] refs = entry.refs().clone();
      // Its actions are final, so the table stays; so do the first uses claimed.
      row(data, refs, i, grant, entry.actions, entry.flags(i) & USED_BITS);
      return entry.with(data, refs, entry.uses, entry.useNames);
    });
  }

  /** Takes the grant off the check path; nothing if it is not indexed. */
  void remove(LiveGrant grant) {
    change(grant, (entry, i) -> {
      int n = entry.size();
      if (n > 1 && !tableStaysWithout(entry, i)) {
        // The action table shrinks, so the others' bits move: rare, rebuilt from the grants.
        Draft draft = entry.draft();
        draft.grants.remove(i);
        draft.ownUsed.remove(i);
        return draft.build();
      }
      if (n == 1) {
        return Entry.of(0, new long[0], new Object[0], new String[0], Entry.NO_USES, Entry.NO_NAMES,
            entry.reservedGrants, entry.pending, entry.reservedPending);
      }
      long[] data = new long[(n - 1) * STRIDE];
      copyWithout(entry.data(), i * STRIDE, STRIDE, data, data.length);
      Object[] refs = new Object[(n - 1) * REFS];
      copyWithout(entry.refs(), i * REFS, REFS, refs, refs.length);
      // Learned uses name their grant by position: those of this one go, those of later ones move up by one.
      int kept = 0;
      for (int j = 0; j < entry.useNames.length; j++) {
        if ((int) (entry.uses[2 * j] >>> 32) != i) {
          kept++;
        }
      }
      long[] uses = new long[2 * kept];
      String[] useNames = new String[kept];
      int at = 0;
      for (int j = 0; j < entry.useNames.length; j++) {
        long use = entry.uses[2 * j];
        int owner = (int) (use >>> 32);
        if (owner != i) {
          uses[2 * at] = owner < i ? use : use - (1L << 32);
          uses[2 * at + 1] = entry.uses[2 * j + 1];
          useNames[at++] = entry.useNames[j];
        }
      }
      String[] actions = n == 2 ? entry.grant(1 - i).actions : entry.actions; // as a record of one shares its grant's
      return Entry.of(n - 1, data, refs, actions, uses, useNames, entry.reservedGrants, entry.pending,
          entry.reservedPending);
    });
  }

  /**
   * Sets or clears the first-use bit of the grant's action {@code word} in the record.
   *
   * @return 1 if this changed the bit, 0 if it was as asked already, -1 if the grant is not indexed
   */
  private int setUsed(LiveGrant grant, String word, boolean used) {
    int[] result = {-1};
    change(grant, (entry, i) -> {
      long flags = entry.flags(i);
      if ((flags & WIDE) != 0) {
        result[0] = used ? 1 : 0; // the table grew past the bits since: its uses are the working copy's
        return entry;
      }
      long bit = 1L << (USED + tableIndex(entry.actions, word));
      if (((flags & bit) != 0) == used) {
        result[0] = 0;
        return entry;
      }
      result[0] = 1;
      long[] data = entry.data().clone();
      data[i * STRIDE + 1] = used ? flags | bit : flags & ~bit;
      return entry.with(data, entry.refs(), entry.uses, entry.useNames);
    });
    return result[0];
  }

  /** Keeps an audited pattern use (the working copy has it) so that checks find it in the record. */
  private void learn(LiveGrant grant, String resource, String word) {
    change(grant, (entry, i) -> {
      if ((entry.flags(i) & WIDE) != 0) {
        return entry;
      }
      long bit = 1L << tableIndex(entry.actions, word);
      int use = entry.learnedUse(i, resource);
      if (use >= 0) {
        long[] uses = entry.uses.clone();
        uses[2 * use + 1] |= bit;
        return entry.with(entry.data(), entry.refs(), uses, entry.useNames);
      }
      int count = entry.useNames.length;
      if (count >= LEARNED) {
        return entry;
      }
      long[] uses = Arrays.copyOf(entry.uses, 2 * count + 2);
      uses[2 * count] = (long) i << 32 | (resource.hashCode() & 0xFFFF_FFFFL);
      uses[2 * count + 1] = bit;
      String[] useNames = Arrays.copyOf(entry.useNames, count + 1);
      useNames[count] = resource;
      return entry.with(entry.data(), entry.refs(), uses, useNames);
    });
  }

  /** A change of grant {@code i}'s place in a record: the next record (or null when nothing is left to keep). */
  private interface Change {
    @Nullable
    Entry apply(Entry entry, int i);
  }

  /** Applies {@code change} to the record of the grant's subject if the grant is in it. */
  private void change(LiveGrant grant, Change change) {
    entries.computeIfPresent(grant.subject, (s, entry) -> {
      int i = entry.indexOf(grant);
      return i < 0 ? entry : change.apply(entry, i);
    });
  }

  /** Writes grant {@code i}'s row: its key, flags (with first-use bits {@code used}), window and references. */
  private static void row(long[] data, Object[] refs, int i, LiveGrant grant, String[] actions, long used) {
    LiveGrant.View view = grant.view; // a pending view answers like the one before it
    long flags = unionBits(grant, actions, -1L);
    flags = flags < 0 ? WIDE : flags | used;
    if (grant.exactName == null) {
      flags |= PATTERN;
    }
    if (grant.bound) {
      flags |= BOUND;
    }
    if (!grant.started && !grant.allowedAtStart) {
      flags |= UNSTARTED;
    }
    data[i * STRIDE] = keyOf(grant);
    data[i * STRIDE + 1] = flags;
    data[i * STRIDE + 2] = view.notBefore;
    data[i * STRIDE + 3] = view.expiresAt;
    refs[i * REFS] = grant.exactName != null ? grant.exactName : grant.pattern;
    refs[i * REFS + 1] = grant;
    refs[i * REFS + 2] = view; // its decision is made on the first check that allows, not per grant up front
  }

  private static boolean containsAll(String[] actions, String[] wanted) {
    for (String action : wanted) {
      if (Arrays.binarySearch(actions, action) < 0) {
        return false;
      }
    }
    return true;
  }

  /** Whether the grants but {@code i} still hold every action of grant {@code i} (the table then stays). */
  private static boolean tableStaysWithout(Entry entry, int i) {
    for (String action : entry.grant(i).actions) {
      boolean held = false;
      for (int k = 0; k < entry.size() && !held; k++) {
        held = k != i && Arrays.binarySearch(entry.grant(k).actions, action) >= 0;
      }
      if (!held) {
        return false;
      }
    }
    return true;
  }

  /** Copies array {@code from} less its {@code length} elements at {@code at} into {@code to}, of {@code toLength}. */
  private static void copyWithout(Object from, int at, int length, Object to, int toLength) {
    System.arraycopy(from, 0, to, 0, at);
    System.arraycopy(from, at + length, to, at, toLength - at);
  }

  /** The grants of a subject as indexed now, in order. */
  LiveGrant[] grants(Subject subject) {
    Entry entry = entries.get(subject);
    if (entry == null) {
      return new LiveGrant[0];
    }
    LiveGrant[] grants = new LiveGrant[entry.size()];
    for (int i = 0; i < grants.length; i++) {
      grants[i] = entry.grant(i);
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
      int held = grant ? current.size() + current.reservedGrants : current.pending + current.reservedPending;
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
      return next.size() == 0 && next.reservedGrants == 0 && next.pending == 0 && next.reservedPending == 0
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
   * Bits over {@code actions} of those of the grant's own actions set in {@code own}; -1 when one falls beyond the
   * {@link #TABLE} (the grant is then WIDE).
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

  /**
   * A subject's record taken apart for a change of its action table (a grant bringing a new action, or taking the
   * last of one away), which moves every bit: the grants in order and, per grant, the first uses audited as bits
   * over its own (sorted) actions, so that they survive the change. Other changes copy the record's arrays.
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

    /** The record of the draft's grants as their working copies stand now; null when nothing is left to keep. */
    @Nullable
    Entry build() {
      int n = grants.size();
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
      long[] data = new long[n * STRIDE];
      Object[] refs = new Object[n * REFS];
      for (int i = 0; i < n; i++) {
        LiveGrant grant = grants.get(i);
        long used = unionBits(grant, actions, ownUsed.get(i));
        row(data, refs, i, grant, actions, used < 0 ? 0 : used << USED);
      }
      List<Long> uses = new ArrayList<>();
      List<String> names = new ArrayList<>();
      for (int j = 0; j < useNames.size(); j++) {
        int i = grants.indexOf(useOwners.get(j));
        long bits = i < 0 ? -1 : unionBits(grants.get(i), actions, useBits.get(j));
        if (bits >= 0 && (data[i * STRIDE + 1] & WIDE) == 0) {
          uses.add((long) i << 32 | (useNames.get(j).hashCode() & 0xFFFF_FFFFL));
          uses.add(bits);
          names.add(useNames.get(j));
        }
      }
      return Entry.of(n, data, refs, actions, uses.stream().mapToLong(Long::longValue).toArray(),
          names.toArray(new String[0]), reservedGrants, pending, reservedPending);
    }
  }

  /**
   * One subject's record: immutable, replaced whole on every change (see the class comment). A subject of one grant
   * has it in fields ({@link Single}), so that a check reads no array; others have it in arrays ({@link Flat}).
   */
  abstract static class Entry {
    static final long[] NO_USES = new long[0];
    static final String[] NO_NAMES = new String[0];
    static final Entry EMPTY = new Flat(0, new long[0], new Object[0], new String[0], NO_USES, NO_NAMES, 0, 0, 0);

    /** The distinct actions of the subject's grants, sorted: the action bits index into it. */
    final String[] actions;
    /** Per learned pattern use, {@code grant << 32 | resource hash} and the action bits audited. */
    final long[] uses;
    /** Per learned pattern use, its resource. */
    final String[] useNames;
    /** Places reserved under the active-grant limit, not yet handed over. */
    final int reservedGrants;
    /** Requests of the subject waiting for approval here. */
    final int pending;
    /** Places reserved under the pending-request limit, not yet handed over. */
    final int reservedPending;

    Entry(String[] actions, long[] uses, String[] useNames, int reservedGrants, int pending, int reservedPending) {
      this.actions = actions;
      this.uses = uses;
      this.useNames = useNames;
      this.reservedGrants = reservedGrants;
      this.pending = pending;
      this.reservedPending = reservedPending;
    }

    /**
     * The record of {@code size} grants whose rows are {@code data} and {@code refs} (see {@link #STRIDE},
     * {@link #REFS}; not written after); null when nothing is left to keep.
     */
    @Nullable
    static Entry of(int size, long[] data, Object[] refs, String[] actions, long[] uses, String[] useNames,
        int reservedGrants, int pending, int reservedPending) {
      if (size == 0 && reservedGrants == 0 && pending == 0 && reservedPending == 0) {
        return null;
      }
      return size == 1
          ? new Single(data, refs, actions, uses, useNames, reservedGrants, pending, reservedPending)
          : new Flat(size, data, refs, actions, uses, useNames, reservedGrants, pending, reservedPending);
    }

    /** How many grants (a method, so that a record of one keeps no field for it). */
    abstract int size();

    /** Grant {@code i}'s name key ({@link #key}). */
    abstract long key(int i);

    abstract long flags(int i);

    /** The start of grant {@code i}'s committed window, in engine time. */
    abstract long notBefore(int i);

    abstract long expiresAt(int i);

    /** Grant {@code i}'s exact name ({@code String}) or its pattern. */
    abstract Object name(int i);

    abstract LiveGrant grant(int i);

    /** The committed view of grant {@code i}, whose decision it hands out. */
    abstract LiveGrant.View view(int i);

    /** The grants' rows, not to be written: a change copies them. */
    abstract long[] data();

    abstract Object[] refs();

    /** The same grants with other counts: what does not change is shared. */
    abstract Entry counted(int reservedGrants, int pending, int reservedPending);

    /** The same grants and counts with these rows and learned uses. */
    Entry with(long[] data, Object[] refs, long[] uses, String[] useNames) {
      return of(size(), data, refs, actions, uses, useNames, reservedGrants, pending, reservedPending);
    }

    int indexOf(LiveGrant grant) {
      for (int i = 0; i < size(); i++) {
        if (grant(i) == grant) {
          return i;
        }
      }
      return -1;
    }

    int learnedUses() {
      return useNames.length;
    }

    /** Which learned use is grant {@code i}'s on {@code resource}, or -1. */
    int learnedUse(int i, String resource) {
      long[] uses = this.uses;
      if (uses.length == 0) {
        return -1;
      }
      long want = (long) i << 32 | (resource.hashCode() & 0xFFFF_FFFFL);
      for (int j = 0; j < uses.length; j += 2) {
        if (uses[j] == want && useNames[j >> 1].equals(resource)) {
          return j >> 1;
        }
      }
      return -1;
    }

    /** Whether learned use {@code use} (-1: none) was audited for action {@code ai}. */
    boolean learned(int use, int ai) {
      return use >= 0 && (uses[2 * use + 1] >>> ai & 1) != 0;
    }

    /** This record taken apart, for a change of its action table. */
    Draft draft() {
      Draft draft = new Draft();
      for (int i = 0; i < size(); i++) {
        LiveGrant grant = grant(i);
        draft.grants.add(grant);
        draft.ownUsed.add(ownBits(grant, flags(i) >>> USED));
      }
      for (int j = 0; j < useNames.length; j++) {
        LiveGrant grant = draft.grants.get((int) (uses[2 * j] >>> 32));
        draft.useNames.add(useNames[j]);
        draft.useOwners.add(grant);
        draft.useBits.add(ownBits(grant, uses[2 * j + 1]));
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

  /** The record of a subject with one grant, its row in fields: a check loads no array (unless learned uses). */
  static final class Single extends Entry {
    private final long key;
    private final long flags;
    private final long notBefore;
    private final long expiresAt;
    private final Object name;
    private final LiveGrant grant;
    private final LiveGrant.View view;

    Single(long[] data, Object[] refs, String[] actions, long[] uses, String[] useNames, int reservedGrants,
        int pending, int reservedPending) {
      super(actions, uses, useNames, reservedGrants, pending, reservedPending);
      this.key = data[0];
      this.flags = data[1];
      this.notBefore = data[2];
      this.expiresAt = data[3];
      this.name = refs[0];
      this.grant = (LiveGrant) refs[1];
      this.view = (LiveGrant.View) refs[2];
    }

    @Override
    int size() {
      return 1;
    }

    @Override
    long key(int i) {
      return key;
    }

    @Override
    long flags(int i) {
      return flags;
    }

    @Override
    long notBefore(int i) {
      return notBefore;
    }

    @Override
    long expiresAt(int i) {
      return expiresAt;
    }

    @Override
    Object name(int i) {
      return name;
    }

    @Override
    LiveGrant grant(int i) {
      return grant;
    }

    @Override
    LiveGrant.View view(int i) {
      return view;
    }

    @Override
    long[] data() {
      return new long[] {key, flags, notBefore, expiresAt};
    }

    @Override
    Object[] refs() {
      return new Object[] {name, grant, view};
    }

    private Single(Single grants, int reservedGrants, int pending, int reservedPending) {
      super(grants.actions, grants.uses, grants.useNames, reservedGrants, pending, reservedPending);
      this.key = grants.key;
      this.flags = grants.flags;
      this.notBefore = grants.notBefore;
      this.expiresAt = grants.expiresAt;
      this.name = grants.name;
      this.grant = grants.grant;
      this.view = grants.view;
    }

    @Override
    Entry counted(int reservedGrants, int pending, int reservedPending) {
      return new Single(this, reservedGrants, pending, reservedPending);
    }
  }

  /** The record of a subject with no grant or several: rows in two arrays. */
  static final class Flat extends Entry {
    private final int size;
    /** Per grant: name key, flags, notBefore, expiresAt (engine time). */
    private final long[] data;
    /** Per grant: exact name ({@code String}) or pattern, working copy, the view whose decision it hands out. */
    private final Object[] refs;

    Flat(int size, long[] data, Object[] refs, String[] actions, long[] uses, String[] useNames,
        int reservedGrants, int pending, int reservedPending) {
      super(actions, uses, useNames, reservedGrants, pending, reservedPending);
      this.size = size;
      this.data = data;
      this.refs = refs;
    }

    @Override
    int size() {
      return size;
    }

    @Override
    long key(int i) {
      return data[i * STRIDE];
    }

    @Override
    long flags(int i) {
      return data[i * STRIDE + 1];
    }

    @Override
    long notBefore(int i) {
      return data[i * STRIDE + 2];
    }

    @Override
    long expiresAt(int i) {
      return data[i * STRIDE + 3];
    }

    @Override
    Object name(int i) {
      return refs[i * REFS];
    }

    @Override
    LiveGrant grant(int i) {
      return (LiveGrant) refs[i * REFS + 1];
    }

    @Override
    LiveGrant.View view(int i) {
      return (LiveGrant.View) refs[i * REFS + 2];
    }

    @Override
    long[] data() {
      return data;
    }

    @Override
    Object[] refs() {
      return refs;
    }

    @Override
    Entry counted(int reservedGrants, int pending, int reservedPending) {
      return new Flat(size, data, refs, actions, uses, useNames, reservedGrants, pending, reservedPending);
    }
  }
}

package dev.jitaccess;

import java.text.Normalizer;
import java.util.Locale;

/** {@link PersonKey#standard()}: stateless, so one instance serves every thread. */
final class StandardPersonKey implements PersonKey {

  static final StandardPersonKey INSTANCE = new StandardPersonKey();

  private StandardPersonKey() {}

  @Override
  public String of(Subject subject) {
    return fold(subject.id());
  }

  static String fold(String id) {
    // Lower then upper: the full upper-case mappings make one spelling of letters that lower-case alone keeps
    // apart (capital sharp s, dotless i, sigma, Greek iota subscript). Marks go after the upper-casing, which
    // can produce new ones (j with caron becomes J and a combining caron).
    String upper = Normalizer.normalize(id, Normalizer.Form.NFKD)
        .toLowerCase(Locale.ROOT)
        .toUpperCase(Locale.ROOT);
    String decomposed = Normalizer.normalize(upper, Normalizer.Form.NFKD);
    StringBuilder key = new StringBuilder(decomposed.length());
    decomposed.codePoints().forEach(cp -> {
      int type = Character.getType(cp);
      if (type != Character.NON_SPACING_MARK && type != Character.ENCLOSING_MARK) {
        key.appendCodePoint(Character.toLowerCase(cp)); // per code point: no final-sigma context
      }
    });
    return Normalizer.normalize(key, Normalizer.Form.NFC);
  }

  @Override
  public String toString() {
    return "PersonKey.standard()";
  }
}

package dev.jitaccess.credential;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTest {

  private static Map<String, Object> parse(String text) throws Json.ParseException {
    return Json.parseObject(text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void writerEscapesWhatJsonRequiresAndTheParserReadsItBack() throws Exception {
    String nasty = "q\" b\\ s/ \n\r\t\b\f \u0000\u001f\u007f \u2028\u2029 \u00fc \uD83D\uDD25";
    String json = new Json.ObjectWriter().string("s", nasty).number("n", -42).number("max", Long.MAX_VALUE)
        .strings("a", List.of("x", "y\"")).strings("empty", List.of()).finish();

    assertThat(json).isEqualTo("{\"s\":\"q\\\" b\\\\ s/ \\n\\r\\t\\b\\f \\u0000\\u001f\\u007f \\u2028\\u2029 \u00fc "
        + "\uD83D\uDD25\",\"n\":-42,\"max\":9223372036854775807,\"a\":[\"x\",\"y\\\"\"],\"empty\":[]}");
    Map<String, Object> back = parse(json);
    assertThat(back.get("s")).isEqualTo(nasty);
    assertThat(((Json.Num) back.get("n")).asLong()).isEqualTo(-42L);
    assertThat(((Json.Num) back.get("max")).asLong()).isEqualTo(Long.MAX_VALUE);
    assertThat(back.get("a")).isEqualTo(List.of("x", "y\""));
    assertThat(back.keySet()).containsExactly("s", "n", "max", "a", "empty");
  }

  @Test
  void writerRefusesLoneSurrogates() {
    assertThatThrownBy(() -> new Json.ObjectWriter().string("s", "a\uD83Db"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("surrogate");
    assertThatThrownBy(() -> new Json.ObjectWriter().string("s", "\uDD25"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void parserAcceptsAllOfJsonInsideAnObject() throws Exception {
    Map<String, Object> v = parse(" \t\r\n{ \"a\" : [ 1 , -0 , 2.5e-3 , 1E+2 , true , false , null , { } , [ ] ] ,"
        + " \"\\u00fc\\ud83d\\udd25\\/\" : \"\" } \n");

    List<?> a = (List<?>) v.get("a");
    assertThat(a).hasSize(9);
    assertThat(((Json.Num) a.get(0)).asLong()).isEqualTo(1L);
    assertThat(((Json.Num) a.get(2)).asLong()).isNull();
    assertThat(a.get(4)).isEqualTo(Boolean.TRUE);
    assertThat(a.get(6)).isSameAs(Json.NULL);
    assertThat(v).containsEntry("\u00fc\uD83D\uDD25/", "");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", " ", "[]", "\"x\"", "1", "null", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{,}", "{\"a\":1 \"b\":2}",
      "{'a':1}", "{a:1}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":-}", "{\"a\":+1}", "{\"a\":1e}",
      "{\"a\":NaN}", "{\"a\":Infinity}", "{\"a\":tru}", "{\"a\":True}", "{\"a\":nul}", "{\"a\":[1,]}", "{\"a\":[,1]}",
      "{\"a\":\"x}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\u12G4\"}", "{\"a\":\"\\ud83d\"}",
      "{\"a\":\"\\udd25\"}", "{\"a\":\"\\ud83d\\u0041\"}", "{\"a\":\"tab\there\"}", "{\"a\":\"nl\nhere\"}",
      "{\"a\":1}{}", "{\"a\":1} x", "{\"a\":1}\u0000", "{\"a\":1/*c*/}", "{\"a\":1,\"a\":2}",
      "{\"a\":1,\"\\u0061\":2}", "{\"a\":{\"b\":1,\"b\":1}}", "\uFEFF{}", "{\"a\":1}\u00a0", "{\"a\":\"\\u0\"}"})
  void parserRejects(String text) {
    assertThatThrownBy(() -> parse(text)).isInstanceOf(Json.ParseException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\"a\""));
  }

  @Test
  void parserRejectsInvalidUtf8() {
    byte[][] bad = {
        {'{', '"', (byte) 0xC0, (byte) 0xAF, '"', ':', '1', '}'}, // overlong '/'
        {'{', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', ':', '1', '}'}, // encoded surrogate
        {'{', '"', (byte) 0xFF, '"', ':', '1', '}'},
        {'{', '"', (byte) 0xE2, (byte) 0x82, '"', ':', '1', '}'}, // truncated sequence
    };
    for (byte[] bytes : bad) {
      assertThatThrownBy(() -> Json.parseObject(bytes)).isInstanceOf(Json.ParseException.class);
    }
  }

  @Test
  void parserLimitsNesting() throws Exception {
    String ok = "{\"a\":" + "[".repeat(Json.MAX_DEPTH - 1) + "]".repeat(Json.MAX_DEPTH - 1) + "}";
    assertThat(parse(ok)).containsKey("a");
    String deep = "{\"a\":" + "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH) + "}";
    assertThatThrownBy(() -> parse(deep)).isInstanceOf(Json.ParseException.class).hasMessageContaining("nesting");
    String hostile = "{\"a\":" + "[".repeat(100_000) + "}";
    assertThatThrownBy(() -> parse(hostile)).isInstanceOf(Json.ParseException.class);
  }

  @Test
  void integersConvertOnlyWhenPlainAndInRange() {
    assertThat(new Json.Num("0").asLong()).isZero();
    assertThat(new Json.Num("-9223372036854775808").asLong()).isEqualTo(Long.MIN_VALUE);
    assertThat(new Json.Num("9223372036854775808").asLong()).isNull();
    assertThat(new Json.Num("1.0").asLong()).isNull();
    assertThat(new Json.Num("1e3").asLong()).isNull();
  }

  @Test
  @SuppressWarnings("unchecked")
  void parsedObjectsAreUnmodifiable() throws Exception {
    Map<String, Object> v = parse("{\"a\":[1]}");
    assertThatThrownBy(() -> v.put("b", 1)).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> ((List<Object>) v.get("a")).add(1)).isInstanceOf(UnsupportedOperationException.class);
  }
}

package dev.jitaccess.internal.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class JsonCodecTest {

  private static Map<String, Object> parse(String text, LoneSurrogates loneSurrogates) throws MalformedJsonException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    return JsonReader.parseObject(bytes, 0, bytes.length, loneSurrogates);
  }

  private static Map<String, Object> parse(String text) throws MalformedJsonException {
    return parse(text, LoneSurrogates.REJECT);
  }

  // ------------------------------------------------------------------------------------------------ writer

  @Test
  void writerEscapesExactlyTheControlsSeparatorsAndQuotes() {
    String nasty = "q\" b\\ s/ \n\r\t\b\f \u0000\u001f\u007f \u0080\u0085\u009f\u00a0 \u2028\u2029 \u00fc \uD83D\uDD25";
    String json = new JsonWriter().value(nasty).text();

    assertThat(json).isEqualTo("\"q\\\" b\\\\ s/ \\n\\r\\t\\b\\f \\u0000\\u001f\\u007f \\u0080\\u0085\\u009f\u00a0"
        + " \\u2028\\u2029 \u00fc \uD83D\uDD25\"");
  }

  @Test
  void aNullMemberIsLeftOutButTheNullMarkerIsWrittenAsNull() {
    Map<String, Object> members = new LinkedHashMap<>();
    members.put("gone", null);
    members.put("kept", JsonWriter.NULL);
    members.put("list", Arrays.asList(JsonWriter.NULL, null));

    assertThat(new JsonWriter().value(members).text()).isEqualTo("{\"kept\":null,\"list\":[null,null]}");
  }

  @Test
  void writerLeavesBidiAndOtherFormatCharactersToTheCallerButKeepsThemReadable() throws Exception {
    // RLO, zero-width space, BOM: valid JSON as is; ids reject them (Validate), free text may carry them.
    String bidi = "a\u202Eb\u200Bc\uFEFFd";
    String json = new JsonWriter().beginObject().field("s", bidi).endObject().text();
    assertThat(json).isEqualTo("{\"s\":\"" + bidi + "\"}");
    assertThat(parse(json)).containsEntry("s", bidi);
  }

  @Test
  void writerWritesObjectsMemberByMemberOrWhole() {
    JsonWriter out = new JsonWriter().beginObject().field("n", -42).field("max", Long.MAX_VALUE)
        .field("absent", (String) null).field("a", List.of("x", "y\"")).field("empty", List.of())
        .beginObject("o").field("k", "v").endObject().field("after", "z").endObject();
    assertThat(out.text()).isEqualTo("{\"n\":-42,\"max\":9223372036854775807,\"a\":[\"x\",\"y\\\"\"],\"empty\":[],"
        + "\"o\":{\"k\":\"v\"},\"after\":\"z\"}");

    Map<String, Object> m = new LinkedHashMap<>();
    m.put("s", "x");
    m.put("gone", null);
    m.put("l", Arrays.asList(1, 2L, true, null, List.of(), Map.of()));
    assertThat(new JsonWriter().value(m).text()).isEqualTo("{\"s\":\"x\",\"l\":[1,2,true,null,[],{}]}");
    assertThat(out.reset().value("again").text()).isEqualTo("\"again\"");
    assertThatThrownBy(() -> new JsonWriter().value(1.5)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("java.lang.Double");
  }

  @Test
  void loneSurrogatesAreEscapedOrRefusedAsConfigured() throws Exception {
    String lone = "a\uD83Db\uDD25";
    String json = new JsonWriter().beginObject().field("s", lone).endObject().text();
    assertThat(json).isEqualTo("{\"s\":\"a\\ud83db\\udd25\"}");
    assertThat(parse(json, LoneSurrogates.ESCAPE)).containsEntry("s", lone);
    assertThatThrownBy(() -> parse(json, LoneSurrogates.REJECT)).isInstanceOf(MalformedJsonException.class)
        .hasMessage("lone surrogate in the string at offset 5");

    assertThatThrownBy(() -> new JsonWriter(LoneSurrogates.REJECT).beginObject().field("s", lone))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("text contains a lone surrogate at index 1");
    assertThatThrownBy(() -> new JsonWriter(LoneSurrogates.REJECT).value("\uDD25"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void utf8KeepsLoneSurrogatesApart() {
    assertThat(JsonWriter.utf8("a\u00e9\uD83D\uDD25")).isEqualTo("a\u00e9\uD83D\uDD25".getBytes(StandardCharsets.UTF_8));
    assertThat(JsonWriter.utf8("\uD800")).isNotEqualTo(JsonWriter.utf8("\uD801")).hasSize(3);
  }

  @ParameterizedTest
  @EnumSource(LoneSurrogates.class)
  void everyWellFormedStringRoundTrips(LoneSurrogates loneSurrogates) throws Exception {
    StringBuilder all = new StringBuilder();
    for (char c = 0; c < 0x3000; c++) {
      if (!Character.isSurrogate(c)) {
        all.append(c);
      }
    }
    all.append("\uD83D\uDD25\uDBFF\uDFFF");
    String s = all.toString();
    JsonWriter out = new JsonWriter(loneSurrogates).beginObject().field(s, s).endObject();
    assertThat(JsonReader.parseObject(out.bytes(), 0, out.length(), loneSurrogates)).containsExactly(Map.entry(s, s));
    assertThat(JsonReader.parse(out.text(), loneSurrogates)).isEqualTo(Map.of(s, s));
  }

  // ------------------------------------------------------------------------------------------------ reader

  @Test
  void readerAcceptsAllOfJson() throws Exception {
    Map<String, Object> v = parse(" \t\r\n{ \"a\" : [ 1 , -0 , 2.5e-3 , 1E+2 , true , false , null , { } , [ ] ,"
        + " 9223372036854775808 ] , \"\\u00fc\\ud83d\\udd25\\/\\b\\f\\n\\r\\t\\\"\\\\\" : \"\" , \"n\" : null } \n");

    @SuppressWarnings("unchecked")
    List<Object> a = (List<Object>) v.get("a");
    assertThat(a).containsExactly(1L, 0L, new BigDecimal("2.5e-3"), new BigDecimal("1E+2"), true, false, null,
        Map.of(), List.of(), new BigDecimal("9223372036854775808"));
    assertThat(v).containsEntry("\u00fc\uD83D\uDD25/\b\f\n\r\t\"\\", "");
    assertThat(v).containsKey("n").containsEntry("n", null).doesNotContainKey("m");
    assertThat(v.keySet()).containsExactly("a", "\u00fc\uD83D\uDD25/\b\f\n\r\t\"\\", "n");
    assertThat(JsonReader.parse("[1,\"x\"]", LoneSurrogates.ESCAPE)).isEqualTo(List.of(1L, "x"));
    assertThat(JsonReader.parse(" null ", LoneSurrogates.ESCAPE)).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", " ", "[]", "\"x\"", "1", "null", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{,}", "{\"a\":1 \"b\":2}",
      "{'a':1}", "{a:1}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":-}", "{\"a\":+1}", "{\"a\":1e}",
      "{\"a\":NaN}", "{\"a\":Infinity}", "{\"a\":tru}", "{\"a\":True}", "{\"a\":nul}", "{\"a\":[1,]}", "{\"a\":[,1]}",
      "{\"a\":\"x}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\u12G4\"}", "{\"a\":\"\\u+123\"}",
      "{\"a\":\"\\u\uFF11234\"}", "{\"a\":\"\\ud83d\"}", "{\"a\":\"\\udd25\"}", "{\"a\":\"\\ud83d\\u0041\"}",
      "{\"a\":\"tab\there\"}", "{\"a\":\"nl\nhere\"}", "{\"a\":1}{}", "{\"a\":1} x", "{\"a\":1}\u0000",
      "{\"a\":1/*c*/}", "{\"a\":1,\"a\":2}", "{\"a\":1,\"\\u0061\":2}", "{\"a\":{\"b\":1,\"b\":1}}", "\uFEFF{}",
      "{\"a\":1}\u00a0", "{\"a\":\"\\u0\"}", "{\"a\":1e9999999999}"})
  void readerRejectsWithAMessageThatNeverQuotesTheInput(String text) {
    assertThatThrownBy(() -> parse(text)).isInstanceOf(MalformedJsonException.class)
        .satisfies(e -> assertThat(e.getMessage()).matches("[a-z ',:{}\\[\\]'0-9-]+ at (offset|byte) \\d+")
            .doesNotContain("\"a\""));
  }

  @Test
  void readerMessagesNameTheRuleAndThePlace() {
    assertThatThrownBy(() -> parse("{\"a\":1,\"a\":2}")).hasMessage("duplicate member name at offset 7");
    assertThatThrownBy(() -> parse("{\"a\":\"\\x\"}")).hasMessage("invalid escape at offset 6");
    assertThatThrownBy(() -> parse("{\"a\":\"x\ty\"}")).hasMessage("unescaped control character at offset 7");
    assertThatThrownBy(() -> parse("{\"a\":1} x")).hasMessage("unexpected data after the value at offset 8");
    assertThatThrownBy(() -> parse("{\"a\":01}")).hasMessage("expected ',' or '}' at offset 6");
    assertThatThrownBy(() -> parse("{\"a\":-x}")).hasMessage("invalid number at offset 5");
    assertThatThrownBy(() -> parse("[]")).hasMessage("expected an object at offset 0");
  }

  @Test
  void readerRejectsInvalidUtf8() {
    byte[][] bad = {
        {'{', '"', (byte) 0xC0, (byte) 0xAF, '"', ':', '1', '}'}, // overlong '/'
        {'{', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', ':', '1', '}'}, // encoded surrogate
        {'{', '"', (byte) 0xFF, '"', ':', '1', '}'},
        {'{', '"', (byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80, '"', ':', '1', '}'}, // beyond U+10FFFF
        {'{', '"', (byte) 0xE2, (byte) 0x82, '"', ':', '1', '}'}, // truncated sequence
    };
    for (LoneSurrogates mode : LoneSurrogates.values()) {
      for (byte[] bytes : bad) {
        assertThatThrownBy(() -> JsonReader.parseObject(bytes, 0, bytes.length, mode))
            .isInstanceOf(MalformedJsonException.class).hasMessage("invalid UTF-8 at byte 2");
      }
    }
  }

  @Test
  void readerLimitsNesting() throws Exception {
    String ok = "{\"a\":" + "[".repeat(JsonReader.MAX_DEPTH - 1) + "]".repeat(JsonReader.MAX_DEPTH - 1) + "}";
    assertThat(parse(ok)).containsKey("a");
    String deep = "{\"a\":" + "[".repeat(JsonReader.MAX_DEPTH) + "]".repeat(JsonReader.MAX_DEPTH) + "}";
    assertThatThrownBy(() -> parse(deep)).isInstanceOf(MalformedJsonException.class).hasMessageContaining("nesting");
    String hostile = "{\"a\":" + "[".repeat(100_000) + "}";
    assertThatThrownBy(() -> parse(hostile)).isInstanceOf(MalformedJsonException.class);
  }

  @Test
  void readerBuildsOnlyTheWantedMembersButChecksAll() throws Exception {
    byte[] ok = "{\"seq\":1,\"details\":{\"x\":[\"y\",{\"z\":null}]},\"prev\":\"p\"}".getBytes(StandardCharsets.UTF_8);
    assertThat(JsonReader.parseObject(ok, 0, ok.length, LoneSurrogates.ESCAPE, Set.of("seq", "prev")))
        .containsExactly(Map.entry("seq", 1L), Map.entry("prev", "p"));
    for (String bad : List.of("{\"seq\":1,\"details\":{\"x\":1,\"x\":2}}", "{\"seq\":1,\"details\":\"\\q\"}",
        "{\"seq\":1,\"details\":[1,]}", "{\"seq\":1,\"details\":1,\"details\":2}")) {
      byte[] bytes = bad.getBytes(StandardCharsets.UTF_8);
      assertThatThrownBy(() -> JsonReader.parseObject(bytes, 0, bytes.length, LoneSurrogates.ESCAPE, Set.of("seq")))
          .as(bad).isInstanceOf(MalformedJsonException.class);
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void parsedValuesAreUnmodifiable() throws Exception {
    Map<String, Object> v = parse("{\"a\":[1]}");
    assertThatThrownBy(() -> v.put("b", 1)).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> ((List<Object>) v.get("a")).add(1)).isInstanceOf(UnsupportedOperationException.class);
    assertThat(new ArrayList<>(v.keySet())).containsExactly("a");
  }
}

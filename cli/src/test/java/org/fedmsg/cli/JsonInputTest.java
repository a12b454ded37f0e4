package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class JsonInputTest {
  @Test
  void items_oneDocumentPerLine_eachLineWithItsNumber_badLineReported() {
    List<JsonInput.Item> items = JsonInput.items("{\"a\":1}\n\nnot json\n{\"b\":\"{[\"}\n");
    assertThat(items).extracting(JsonInput.Item::line).containsExactly(1, 3, 4);
    assertThat(items.get(0).node().get("a").intValue()).isEqualTo(1);
    assertThat(items.get(1).error()).isNotNull();
    assertThat(items.get(2).node().get("b").textValue()).isEqualTo("{[");
  }

  @Test
  void items_prettyPrintedDocument_isOneItem() {
    List<JsonInput.Item> items = JsonInput.items("{\n  \"topic\": \"t\",\n  \"msg\": {\"x\": [1, 2]}\n}\n");
    assertThat(items).hasSize(1);
    assertThat(items.get(0).node().get("msg").get("x").size()).isEqualTo(2);
  }

  @Test
  void items_arrayOnOneLineOrOverLines_oneItemPerElement() {
    assertThat(JsonInput.items("[{\"a\":1},{\"a\":2}]")).extracting(i -> i.node().get("a").intValue())
        .containsExactly(1, 2);
    assertThat(JsonInput.items("[\n {\"a\": \"],\\\"\"},\n {\"a\": [3]}\n]\n")).extracting(i -> i.node().get("a").toString())
        .containsExactly("\"],\\\"\"", "[3]");
    assertThat(JsonInput.items("[]")).isEmpty();
    assertThat(JsonInput.items("  \n")).isEmpty();
  }

  @Test
  void items_brokenInput_reportedNotDropped() {
    assertThat(JsonInput.items("[\n{\"a\":1},\n")).extracting(JsonInput.Item::error)
        .containsExactly(null, "the array is not closed before the end of the input");
    assertThat(JsonInput.items("{\n\"a\": 1\n")).singleElement().satisfies(i -> assertThat(i.error()).isNotNull());
  }
}

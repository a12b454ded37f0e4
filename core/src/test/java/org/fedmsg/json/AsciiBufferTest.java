package org.fedmsg.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class AsciiBufferTest {
  @Test
  void borrowed_isEmpty_andReusedByTheThreadAfterRelease() {
    AsciiBuffer first = AsciiBuffer.borrow(16);
    first.ascii("leftover");
    first.release();
    AsciiBuffer again = AsciiBuffer.borrow(16);
    assertThat(again).isSameAs(first);
    assertThat(again.length()).isZero();
    again.ascii("x");
    assertThat(again.toAsciiString()).isEqualTo("x");
    again.release();
  }

  @Test
  void aBorrowedBuffer_isNotLentTwice() {
    AsciiBuffer outer = AsciiBuffer.borrow(16);
    AsciiBuffer nested = AsciiBuffer.borrow(16);
    assertThat(nested).isNotSameAs(outer);
    nested.release();
    outer.release();
  }

  @Test
  void aBufferGrownPastTheLimit_isNotKept() {
    AsciiBuffer big = AsciiBuffer.borrow(16);
    big.ascii("y".repeat(AsciiBuffer.KEEP_MAX_BYTES + 1));
    big.release();
    assertThat(AsciiBuffer.borrow(16)).isNotSameAs(big);
  }

  @Test
  void encodingsOneAfterAnother_onOneThread_areEachComplete() {
    ObjectNode large = JsonNodeFactory.instance.objectNode().put("pad", "z".repeat(5000)).put("a", 1);
    ObjectNode small = JsonNodeFactory.instance.objectNode().put("b", "two");
    String largeText = CanonicalJson.encodeToString(large);
    assertThat(largeText).startsWith("{\"a\":1,\"pad\":\"zzz").endsWith("zz\"}").hasSize(5000 + 16);
    // the reused buffer still holds the larger text: nothing of it may show
    assertThat(new String(CanonicalJson.encode(small), java.nio.charset.StandardCharsets.US_ASCII))
        .isEqualTo("{\"b\":\"two\"}");
    assertThat(CanonicalJson.encodeToString(large)).isEqualTo(largeText);
  }
}

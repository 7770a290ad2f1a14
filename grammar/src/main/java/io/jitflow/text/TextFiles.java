package io.jitflow.text;

import io.jitflow.ir.SourceLocation;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reading graph files as text: UTF-8, and a byte that is not UTF-8 is an error naming where it is. */
final class TextFiles {
    private TextFiles() {
    }

    static String readUtf8(Path file) throws IOException {
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            throw new IOException(file + ": not a regular file");
        }
        byte[] bytes = Files.readAllBytes(file);
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (result.isError()) {
            int at = in.position();
            int line = 1;
            int lineStart = 0;
            for (int i = 0; i < out.position(); i++) {
                if (out.get(i) == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            boolean utf16 = bytes.length >= 2 && ((bytes[0] & 0xff) == 0xfe && (bytes[1] & 0xff) == 0xff
                    || (bytes[0] & 0xff) == 0xff && (bytes[1] & 0xff) == 0xfe);
            throw new GraphParseException(new SourceLocation(file.toString(), line, out.position() - lineStart + 1),
                    String.format("invalid UTF-8: byte 0x%02x at offset %d%s", bytes[at] & 0xff, at,
                            utf16 ? " (the file is UTF-16; graph files are UTF-8)" : ""));
        }
        decoder.flush(out);
        return out.flip().toString();
    }
}

package dev.bypass.proxy.sql;

/**
 * An incremental lexer of PostgreSQL's SQL syntax, byte by byte as PostgreSQL's own scanner reads a query string:
 * white space ({@code [ \t\n\r\f\v]}), {@code --} comments to the end of the line ({@code \n} or {@code \r}),
 * nested {@code /* *}{@code /} comments, quoted identifiers ({@code "a""b"}, {@code U&"..."}), strings ({@code '...'}
 * with {@code ''}, {@code E'...'} with backslash escapes, {@code B'...'} and {@code X'...'} which end at the first
 * quote, {@code N'...'}, {@code U&'...'}, and the continuation of a string across a newline), dollar quoting
 * ({@code $tag$...$tag$}, where a {@code $} inside an identifier does not open one), parameters, numbers and
 * operators. It reports words, parentheses, semicolons and literals to a {@link Tokens} sink; white space and
 * comments produce nothing.
 *
 * <p>Input may arrive in pieces of any size ({@link #feed}): the lexer looks at most two bytes ahead, keeps at most
 * two bytes between pieces, and holds a bounded state (an identifier's first 63 bytes, a dollar-quote tag of up to
 * {@value #MAX_TAG} bytes), so a query of any length is lexed in constant memory.
 *
 * <p>How a backslash in a plain {@code '...'} string reads depends on the session's standard_conforming_strings, and
 * in client encodings whose multibyte characters may contain the byte {@code 0x5C} (SJIS, BIG5, GBK, ...) the server
 * may not see a backslash where the raw bytes show one. {@link Backslashes} picks the reading; the classifier reads a
 * query every way that could apply and keeps the union (see {@link #backslashInString()}).
 */
final class SqlLexer {
    /** Where a backslash escapes the next character. */
    enum Backslashes {
        /** standard_conforming_strings = on (the default): in {@code E'...'} strings only. */
        E_STRINGS,
        /** standard_conforming_strings = off: in {@code '...'} strings as well. */
        ALL_STRINGS,
        /** Nowhere: how a server may read bytes that are part of multibyte characters in SJIS-like encodings. */
        NONE
    }

    /** Receives the tokens. */
    interface Tokens {
        /**
         * A word: an identifier or keyword ({@code quoted} false), or a quoted identifier. {@code id} is its
         * {@link Words} id ({@link Words#UNKNOWN} if none; quoted identifiers only ever match function names), or
         * {@link #UNRESOLVED} for a {@code U&"..."} name whose escapes the lexer does not decode.
         */
        void word(int id, boolean quoted);

        /** A token that is not a word: {@link #LPAREN}, {@link #RPAREN}, {@link #SEMICOLON}, {@link #STRING}, {@link #OTHER}. */
        void token(int kind);
    }

    static final int LPAREN = 0, RPAREN = 1, SEMICOLON = 2, STRING = 3, OTHER = 4;
    /** A quoted identifier with Unicode escapes: its name is not known. */
    static final int UNRESOLVED = -2;
    /** Longest dollar-quote tag followed; a longer one makes the rest of the query opaque ({@link #lostTrack()}). */
    static final int MAX_TAG = 1024;
    /** Identifiers are truncated to this many bytes, as PostgreSQL does (NAMEDATALEN - 1). */
    static final int NAME_LIMIT = 63;

    private static final int NORMAL = 0, WORD = 1, QUOTED = 2, PLAIN_STRING = 3, ESCAPE_STRING = 4, BIT_STRING = 5,
            STRING_STOP = 6, LINE_COMMENT = 7, BLOCK_COMMENT = 8, DOLLAR_TAG = 9, DOLLAR_BODY = 10, NUMBER = 11,
            PARAMETER = 12, OPAQUE = 13;

    private final Tokens out;
    private final Backslashes backslashes;
    private int state = NORMAL;

    /** The current word or quoted identifier: its first {@link #NAME_LIMIT} bytes (words lower-cased). */
    private final byte[] word = new byte[NAME_LIMIT + 1];
    private int wordLength, wordHash;
    private boolean wordTruncated, wordPlain, unicodeName;

    /** The string state a continued string resumes ({@code 'a'} newline {@code 'b'} is one string). */
    private int stringState;
    private boolean stopNewline, stopComment;
    private int commentDepth;

    private byte[] tag = new byte[16];
    private int tagLength, match;

    private boolean backslashInString, unterminated, lostTrack;
    /** The last byte of the number being read (an exponent's sign may follow its 'e'). */
    private int numberLast;

    /** Bytes kept from one {@link #feed} to the next, and the buffer pieces are joined in. */
    private byte[] pending = new byte[0];
    private int pendingLength;

    SqlLexer(Tokens out, Backslashes backslashes) {
        this.out = out;
        this.backslashes = backslashes;
    }

    /** Lexes a whole text. */
    void lexAll(byte[] text, int length) {
        lex(text, 0, length, true);
    }

    /** Lexes the next piece of a text that arrives in pieces; {@code last} for the final one. */
    void feed(byte[] piece, int offset, int length, boolean last) {
        int total = pendingLength + length;
        if (pending.length < total) pending = java.util.Arrays.copyOf(pending, Math.max(total, 2 * pending.length));
        System.arraycopy(piece, offset, pending, pendingLength, length);
        int consumed = lex(pending, 0, total, last);
        pendingLength = total - consumed;
        System.arraycopy(pending, consumed, pending, 0, pendingLength);
    }

    /** Whether a backslash stood inside a string: only then can another {@link Backslashes} reading differ. */
    boolean backslashInString() { return backslashInString; }

    /** The text ended inside a string, quoted identifier, comment or dollar quote: PostgreSQL rejects it whole. */
    boolean unterminated() { return unterminated; }

    /** A dollar-quote tag longer than {@value #MAX_TAG} bytes: the rest of the text was not followed. */
    boolean lostTrack() { return lostTrack; }

    /** The last word's name as PostgreSQL keeps it: lower-cased unless quoted, truncated to 63 bytes. */
    String name() {
        int n = wordLength;
        if (wordTruncated) while (n > 0 && (word[n] & 0xc0) == 0x80) n--; // cut at a character boundary
        return new String(word, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * Lexes {@code a[from, to)}; returns how far it got. Unless {@code last}, the final two bytes may be left for
     * the next call (a decision may need to see them).
     */
    private int lex(byte[] a, int from, int to, boolean last) {
        int limit = last ? to : to - 2;
        int i = from;
        while (i < limit) {
            switch (state) {
                case NORMAL -> i = normal(a, i, to);
                case WORD -> {
                    int c = a[i] & 0xff;
                    if (isIdentifierPart(c)) {
                        append(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
                        if (c == '$' || c >= 0x80) wordPlain = false; // never a keyword or a built-in's name
                        i++;
                    } else {
                        endWord();
                    }
                }
                case QUOTED -> {
                    int c = a[i] & 0xff;
                    if (c != '"') {
                        append(c);
                        i++;
                    } else if (at(a, i + 1, to) == '"') {
                        append('"');
                        i += 2;
                    } else {
                        state = NORMAL;
                        int id = unicodeName ? UNRESOLVED : lookupQuoted();
                        out.word(id, true);
                        i++;
                    }
                }
                case PLAIN_STRING, ESCAPE_STRING, BIT_STRING -> i = string(a, i, to, limit);
                case STRING_STOP -> i = stringStop(a, i, to);
                case LINE_COMMENT -> {
                    while (i < limit && a[i] != '\n' && a[i] != '\r') i++;
                    if (i < limit) {
                        state = NORMAL;
                        i++;
                    }
                }
                case BLOCK_COMMENT -> {
                    int c = a[i] & 0xff;
                    if (c == '/' && at(a, i + 1, to) == '*') {
                        commentDepth++;
                        i += 2;
                    } else if (c == '*' && at(a, i + 1, to) == '/') {
                        if (--commentDepth == 0) state = NORMAL;
                        i += 2;
                    } else {
                        i++;
                    }
                }
                case DOLLAR_TAG -> {
                    int c = a[i] & 0xff;
                    if (isDollarTagPart(c)) {
                        if (tagLength == MAX_TAG) {
                            lostTrack = true;
                            state = OPAQUE;
                        } else {
                            if (tagLength == tag.length) tag = java.util.Arrays.copyOf(tag, Math.min(MAX_TAG, 2 * tag.length));
                            tag[tagLength++] = (byte) c;
                        }
                        i++;
                    } else if (c == '$') {
                        state = DOLLAR_BODY;
                        match = 0;
                        i++;
                    } else {
                        dollarFailed();
                    }
                }
                case DOLLAR_BODY -> {
                    if (match == 0) { // skip to the next '$' at once
                        while (i < limit && a[i] != '$') i++;
                        if (i == limit) break;
                    }
                    int c = a[i] & 0xff;
                    int expected = match == 0 || match == tagLength + 1 ? '$' : tag[match - 1] & 0xff;
                    if (c == expected) {
                        if (++match == tagLength + 2) {
                            state = NORMAL;
                            out.token(STRING);
                        }
                    } else {
                        // '$' occurs in the delimiter only at its ends, so a mismatch restarts at this byte
                        match = c == '$' ? 1 : 0;
                    }
                    i++;
                }
                case NUMBER -> {
                    int c = a[i] & 0xff;
                    if (c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '.'
                            || (c == '+' || c == '-') && (numberLast == 'e' || numberLast == 'E')) {
                        numberLast = c;
                        i++;
                    } else {
                        state = NORMAL;
                        out.token(OTHER);
                    }
                }
                case PARAMETER -> {
                    int c = a[i] & 0xff;
                    if (c >= '0' && c <= '9') {
                        i++;
                    } else {
                        state = NORMAL;
                        out.token(OTHER);
                    }
                }
                case OPAQUE -> i = limit;
                default -> throw new IllegalStateException("lexer state " + state);
            }
        }
        if (last) finish();
        return i;
    }

    private int normal(byte[] a, int i, int to) {
        int c = a[i] & 0xff;
        switch (c) {
            case ' ', '\t', '\n', '\r', '\f', 0x0b -> { return i + 1; }
            case '-' -> {
                if (at(a, i + 1, to) == '-') {
                    state = LINE_COMMENT;
                    return i + 2;
                }
            }
            case '/' -> {
                if (at(a, i + 1, to) == '*') {
                    state = BLOCK_COMMENT;
                    commentDepth = 1;
                    return i + 2;
                }
            }
            case '\'' -> {
                beginString(backslashes == Backslashes.ALL_STRINGS ? ESCAPE_STRING : PLAIN_STRING);
                return i + 1;
            }
            case '"' -> {
                beginWord(QUOTED, false);
                return i + 1;
            }
            case '$' -> {
                int next = at(a, i + 1, to);
                if (next >= '0' && next <= '9') {
                    state = PARAMETER;
                    return i + 2;
                }
                if (next == '$') {
                    tagLength = 0;
                    state = DOLLAR_BODY;
                    match = 0;
                    return i + 2;
                }
                if (next >= 0 && isDollarTagStart(next)) {
                    tagLength = 0;
                    state = DOLLAR_TAG;
                    return i + 1;
                }
            }
            case '(' -> {
                out.token(LPAREN);
                return i + 1;
            }
            case ')' -> {
                out.token(RPAREN);
                return i + 1;
            }
            case ';' -> {
                out.token(SEMICOLON);
                return i + 1;
            }
            case '.' -> {
                int next = at(a, i + 1, to);
                if (next >= '0' && next <= '9') {
                    state = NUMBER;
                    numberLast = c;
                    return i + 1;
                }
            }
            default -> {
                if (c >= '0' && c <= '9') {
                    state = NUMBER;
                    numberLast = c;
                    return i + 1;
                }
                if (isIdentifierStart(c)) {
                    int next = at(a, i + 1, to);
                    if (next == '\'') {
                        switch (c | 0x20) {
                            case 'e' -> { // E'...': backslash escapes, unless read as raw bytes
                                beginString(backslashes == Backslashes.NONE ? PLAIN_STRING : ESCAPE_STRING);
                                return i + 2;
                            }
                            case 'b', 'x' -> {
                                beginString(BIT_STRING);
                                return i + 2;
                            }
                            case 'n' -> { // N'...' is a plain string after the keyword NCHAR
                                beginString(backslashes == Backslashes.ALL_STRINGS ? ESCAPE_STRING : PLAIN_STRING);
                                return i + 2;
                            }
                            default -> { }
                        }
                    } else if ((c | 0x20) == 'u' && next == '&') {
                        int third = at(a, i + 2, to);
                        if (third == '\'') { // U&'...': quote doubling only, escapes decoded later by the server
                            beginString(PLAIN_STRING);
                            return i + 3;
                        }
                        if (third == '"') {
                            beginWord(QUOTED, true);
                            return i + 3;
                        }
                    }
                    beginWord(WORD, false);
                    append(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
                    wordPlain = c < 0x80;
                    return i + 1;
                }
            }
        }
        out.token(OTHER); // an operator character, '$' alone, or another character the server rejects
        return i + 1;
    }

    private int string(byte[] a, int i, int to, int limit) {
        if (state == ESCAPE_STRING) {
            while (i < limit) {
                byte b = a[i];
                if (b == '\\') {
                    backslashInString = true;
                    i = Math.min(to, i + 2); // the escaped byte, whatever it is
                } else if (b == '\'') {
                    if (at(a, i + 1, to) == '\'') i += 2;
                    else return closeString(i);
                } else {
                    i++;
                }
            }
            return i;
        }
        boolean doubling = state == PLAIN_STRING;
        while (i < limit) {
            byte b = a[i];
            if (b == '\'') {
                if (doubling && at(a, i + 1, to) == '\'') i += 2;
                else return closeString(i);
            } else {
                if (b == '\\') backslashInString = true;
                i++;
            }
        }
        return i;
    }

    private int closeString(int i) {
        stringState = state;
        state = STRING_STOP;
        stopNewline = false;
        stopComment = false;
        return i + 1;
    }

    /**
     * After a closing quote: white space holding a newline (and {@code --} comments) then a quote continues the same
     * string; anything else ends it.
     */
    private int stringStop(byte[] a, int i, int to) {
        int c = a[i] & 0xff;
        if (stopComment) {
            if (c == '\n' || c == '\r') {
                stopComment = false;
                stopNewline = true;
            }
            return i + 1;
        }
        switch (c) {
            case '\n', '\r' -> {
                stopNewline = true;
                return i + 1;
            }
            case ' ', '\t', '\f', 0x0b -> { return i + 1; }
            case '-' -> {
                if (at(a, i + 1, to) == '-') {
                    stopComment = true;
                    return i + 2;
                }
            }
            case '\'' -> {
                if (stopNewline) {
                    state = stringState;
                    return i + 1;
                }
            }
            default -> { }
        }
        state = NORMAL;
        out.token(STRING);
        return i;
    }

    private void beginString(int kind) { state = kind; }

    private void beginWord(int kind, boolean unicode) {
        state = kind;
        wordLength = 0;
        wordHash = Words.HASH_START;
        wordTruncated = false;
        wordPlain = kind == WORD;
        unicodeName = unicode;
    }

    private void append(int c) {
        if (wordLength < NAME_LIMIT) {
            word[wordLength++] = (byte) c;
            wordHash = Words.step(wordHash, c);
        } else if (!wordTruncated) {
            word[NAME_LIMIT] = (byte) c; // kept to find the character boundary of the cut
            wordTruncated = true;
        }
    }

    private void endWord() {
        state = NORMAL;
        out.word(wordPlain && !wordTruncated ? Words.lookup(wordHash, word, wordLength) : Words.UNKNOWN, false);
    }

    private int lookupQuoted() {
        if (wordTruncated) return Words.UNKNOWN;
        int id = Words.lookup(wordHash, word, wordLength);
        return Words.isFunction(id) ? id : Words.UNKNOWN;
    }

    /** {@code $tag} not followed by {@code $}: the '$' is a character of its own and the tag an identifier. */
    private void dollarFailed() {
        out.token(OTHER);
        beginWord(WORD, false);
        boolean plain = true;
        for (int k = 0; k < tagLength; k++) {
            int c = tag[k] & 0xff;
            append(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
            if (c >= 0x80) plain = false;
        }
        wordPlain = plain;
        endWord();
    }

    private void finish() {
        switch (state) {
            case WORD -> endWord();
            case DOLLAR_TAG -> dollarFailed();
            case NUMBER, PARAMETER -> out.token(OTHER);
            case STRING_STOP -> out.token(STRING);
            case QUOTED, PLAIN_STRING, ESCAPE_STRING, BIT_STRING, BLOCK_COMMENT, DOLLAR_BODY -> unterminated = true;
            default -> { }
        }
        state = NORMAL;
    }

    /** The byte at {@code i}, or -1 past the end. */
    private static int at(byte[] a, int i, int to) { return i < to ? a[i] & 0xff : -1; }

    private static boolean isIdentifierStart(int c) { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80; }

    private static boolean isIdentifierPart(int c) { return isIdentifierStart(c) || c >= '0' && c <= '9' || c == '$'; }

    private static boolean isDollarTagStart(int c) { return isIdentifierStart(c); }

    private static boolean isDollarTagPart(int c) { return isIdentifierStart(c) || c >= '0' && c <= '9'; }
}

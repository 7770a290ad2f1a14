package io.jitflow.ir;

/**
 * One attribute an op accepts: its name, kind and default. A {@code null} default with
 * {@code required} false means the attribute may be absent (e.g. reduce axes: absent means all).
 */
public record AttrSpec(String name, Attr.Kind kind, boolean required, Attr defaultValue) {

    public static AttrSpec required(String name, Attr.Kind kind) {
        return new AttrSpec(name, kind, true, null);
    }

    public static AttrSpec optional(String name, Attr.Kind kind) {
        return new AttrSpec(name, kind, false, null);
    }

    public static AttrSpec withDefault(String name, Attr defaultValue) {
        return new AttrSpec(name, defaultValue.kind(), false, defaultValue);
    }
}

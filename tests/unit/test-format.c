/* pkg/format: Go text/template semantics, Podman's functions and
   --format conventions, table headers and alignment, errors and limits.
   Expected outputs were checked against Go's text/template as Podman
   4.3 runs it (podman images --format ...) where Podman could show them.  */
#include "unit.h"

#include "format/format.h"

/* An image row as `nook images` hands it to the engine.  */
static const char image_row[]
    = "{\"ID\":\"38ce4ae3b3a1\",\"Repository\":\"localhost/busybox\",\"Tag\":\"latest\","
      "\"Names\":[\"localhost/busybox:latest\"],"
      "\"RepoTags\":[\"localhost/busybox:latest\",\"localhost/bb:1\"],"
      "\"Size\":2130146,\"Created\":1704067200,\"Dangling\":false,"
      "\"Labels\":{\"org.opencontainers.image.title\":\"bb\",\"maintainer\":\"nook developers\"},"
      "\"Digest\":null}";

/* An inspect document, trimmed.  */
static const char inspect_doc[]
    = "{\"Id\":\"23029c11dd79\",\"Name\":\"web\",\"State\":{\"Status\":\"running\",\"Running\":"
      "true,"
      "\"ExitCode\":0,\"Pid\":4242},\"Config\":{\"Labels\":{\"maintainer\":\"me\",\"b\":\"2\","
      "\"a\":\"1\"},\"Env\":[\"PATH=/bin\",\"HOME=/root\"],\"Cmd\":[\"sh\",\"-c\",\"true\"]},"
      "\"Mounts\":[],\"HostConfig\":{\"Memory\":0,\"CpuShares\":1.5},"
      "\"NetworkSettings\":{\"Ports\":{\"80/tcp\":[{\"HostPort\":\"8080\"}]}}}";

/* TEMPLATE run on DATA (JSON text, NULL for null): the output, or
   "error: MESSAGE".  Freed with the test.  */
static char *
run (const char *tmpl, const char *data)
{
  _cleanup_json_ nook_json *j = NULL;
  _cleanup_format_ struct format_template *t = NULL;
  _cleanup_buf_ struct nook_buf out = { 0 };
  nook_error_t err = NULL;
  char *r;

  if (data && json_parse (data, strlen (data), &j, &err) < 0)
    {
      r = unit_fmt ("bad test data: %s", err->msg);
      nook_error_free (&err);
      return r;
    }
  if (format_parse (tmpl, &t, &err) < 0 || format_execute (t, j, &out, &err) < 0)
    {
      r = unit_fmt ("error: %s", err->msg);
      nook_error_free (&err);
      return r;
    }
  return unit_keep (nook_buf_steal (&out));
}

/* The parse error of TEMPLATE, or "parsed".  */
static char *
parse_error (const char *tmpl)
{
  struct format_template *t = NULL;
  nook_error_t err = NULL;
  char *r;

  if (format_parse (tmpl, &t, &err) == 0)
    {
      format_free (t);
      return "parsed";
    }
  r = unit_fmt ("%s", err->msg);
  nook_error_free (&err);
  return r;
}

#define CHECK_RUN(tmpl, data, want) CHECK_STR_EQ (run (tmpl, data), want)
/* The error of TEMPLATE on DATA, or "no error: OUTPUT".  */
static char *
run_error (const char *tmpl, const char *data)
{
  char *r = run (tmpl, data);
  return str_has_prefix (r, "error: ") ? r + 7 : unit_fmt ("no error: %s", r);
}

#define CHECK_RUN_ERR(tmpl, data, needle) CHECK_STR_HAS (run_error (tmpl, data), needle)
#define CHECK_PARSE_ERR(tmpl, needle)     CHECK_STR_HAS (parse_error (tmpl), needle)

/* ---- text, fields, dot ---- */

TEST (text_only)
{
  CHECK_RUN ("", "{}", "");
  CHECK_RUN ("plain text", "{}", "plain text");
  CHECK_RUN ("a } b }} c {", "{}", "a } b }} c {");
  CHECK_RUN ("héllo\n\tworld\n", "{}", "héllo\n\tworld\n");
  CHECK_RUN ("{ {x} }", NULL, "{ {x} }");
}

TEST (fields)
{
  CHECK_RUN ("{{.Repository}}:{{.Tag}}", image_row, "localhost/busybox:latest");
  CHECK_RUN ("{{.State.ExitCode}}", inspect_doc, "0");
  CHECK_RUN ("{{.State.Status}}/{{.State.Pid}}", inspect_doc, "running/4242");
  CHECK_RUN ("{{.NetworkSettings.Ports}}", inspect_doc, "map[80/tcp:[map[HostPort:8080]]]");
  CHECK_RUN ("{{ .Repository }}", image_row, "localhost/busybox");
  CHECK_RUN ("{{.Config.Labels.maintainer}}", inspect_doc, "me");
  CHECK_RUN ("{{$.Name}}", inspect_doc, "web");
}

TEST (fields_missing)
{
  /* A key that is not there prints <no value>, also down a chain; a
     member of null (Podman's nil map) too.  */
  CHECK_RUN ("{{.Nope}}", image_row, "<no value>");
  CHECK_RUN ("{{.Nope.Deeper.Still}}", image_row, "<no value>");
  CHECK_RUN ("{{.Labels.nope}}", image_row, "<no value>");
  CHECK_RUN ("{{.Digest}}", image_row, "<nil>");
  CHECK_RUN ("{{.Digest.X}}", image_row, "<no value>");
  CHECK_RUN ("{{.A}}", NULL, "<no value>");
  CHECK_RUN ("{{.A}}", "null", "<no value>");
}

TEST (fields_of_scalars_fail)
{
  CHECK_RUN_ERR ("{{.Tag.Foo}}", image_row,
                 "template: 1:3: executing at <.Tag.Foo>: can't evaluate field Foo in type "
                 "string");
  CHECK_RUN_ERR ("{{.Size.X}}", image_row, "can't evaluate field X in type int");
  CHECK_RUN_ERR ("{{.Names.X}}", image_row, "can't evaluate field X in type []interface {}");
  CHECK_RUN_ERR ("{{.X}}", "\"s\"", "can't evaluate field X in type string");
  CHECK_RUN_ERR ("{{(.Names).Foo}}", image_row, "can't evaluate field Foo");
}

TEST (dot)
{
  CHECK_RUN ("{{.}}", "\"just a string\"", "just a string");
  CHECK_RUN ("{{.}}", "42", "42");
  CHECK_RUN ("{{.}}", "null", "<nil>");
  CHECK_RUN ("{{.}}", NULL, "<nil>");
  CHECK_RUN ("{{.}}", "{\"b\":1,\"a\":[true,null]}", "map[a:[true <nil>] b:1]");
  CHECK_RUN ("{{.}}", "[]", "[]");
  CHECK_RUN ("{{.}}", "{}", "map[]");
}

/* ---- trim markers and comments ---- */

TEST (trim_markers)
{
  CHECK_RUN ("a  {{- .X}}", "{\"X\":1}", "a1");
  CHECK_RUN ("{{.X -}}  \n\t b", "{\"X\":1}", "1b");
  CHECK_RUN ("a \n {{- .X -}} \n b", "{\"X\":1}", "a1b");
  CHECK_RUN ("a {{- 3}} {{-3}}", "{}", "a3 -3");
  CHECK_RUN ("{{- .X}}", "{\"X\":1}", "1");
  CHECK_RUN ("x\n{{- range .L}}\n  {{- .}}\n{{- end}}\n", "{\"L\":[1,2]}", "x12\n");
  CHECK_RUN ("{{if true -}}\n  yes\n{{- end}}", "{}", "yes");
}

TEST (comments)
{
  CHECK_RUN ("{{/* c */}}a{{- /* d */ -}} b", "{}", "ab");
  CHECK_RUN ("a{{/* }} {{ .X */}}b", "{}", "ab");
  CHECK_RUN ("a{{/* multi\nline */}}b", "{}", "ab");
  CHECK_PARSE_ERR ("{{/* c */ }}", "comment ends before closing delimiter");
  CHECK_PARSE_ERR ("{{/* c ", "unclosed comment");
  CHECK_PARSE_ERR ("{{ /* c */}}", "bad character U+002F '/'");
}

/* ---- literals ---- */

TEST (string_literals)
{
  CHECK_RUN ("{{\"a\\x41\\101\\u00e9\\U0001F600\\t\\\"z\"}}", "{}", "aAAé😀\t\"z");
  CHECK_RUN ("{{\"a\\\\\"}}", "{}", "a\\");
  CHECK_RUN ("{{`raw \\n {{x}} \"q\"`}}", "{}", "raw \\n {{x}} \"q\"");
  CHECK_RUN ("{{`a\r\nb`}}", "{}", "a\nb");
  CHECK_RUN ("{{\"\"}}|{{``}}", "{}", "|");
  CHECK_RUN ("{{\"}}\"}}", "{}", "}}");
  CHECK_PARSE_ERR ("{{\"\\q\"}}", "invalid syntax");
  CHECK_PARSE_ERR ("{{\"\\'\"}}", "invalid syntax");
  CHECK_PARSE_ERR ("{{\"abc}}", "unterminated quoted string");
  CHECK_PARSE_ERR ("{{\"a\nb\"}}", "unterminated quoted string");
  CHECK_PARSE_ERR ("{{`abc}}", "unterminated raw quoted string");
  CHECK_PARSE_ERR ("{{\"\\u12\"}}", "invalid syntax");
  CHECK_PARSE_ERR ("{{\"\\ud800\"}}", "invalid syntax");
}

TEST (char_literals)
{
  CHECK_RUN ("{{'a'}} {{'\\n'}} {{'é'}} {{'\\''}} {{'\\x41'}}", "{}", "97 10 233 39 65");
  CHECK_PARSE_ERR ("{{'ab'}}", "malformed character constant: 'ab'");
  CHECK_PARSE_ERR ("{{''}}", "malformed character constant");
  CHECK_PARSE_ERR ("{{'a}}", "unterminated character constant");
}

TEST (number_literals)
{
  CHECK_RUN ("{{1}} {{-7}} {{+3}} {{0}} {{1_000}}", "{}", "1 -7 3 0 1000");
  CHECK_RUN ("{{0x1F}} {{0b101}} {{0o17}} {{017}} {{-0x10}}", "{}", "31 5 15 15 -16");
  CHECK_RUN ("{{9223372036854775807}} {{-9223372036854775808}}", "{}",
             "9223372036854775807 -9223372036854775808");
  CHECK_RUN ("{{1.5}} {{.5}} {{1.}} {{1e3}} {{0x1p4}}", "{}", "1.5 0.5 1 1000 16");
  CHECK_PARSE_ERR ("{{99999999999999999999}}", "overflows int");
  CHECK_PARSE_ERR ("{{9223372036854775808}}", "overflows int");
  CHECK_PARSE_ERR ("{{08}}", "bad number syntax");
  CHECK_PARSE_ERR ("{{1e}}", "bad number syntax");
  CHECK_PARSE_ERR ("{{12ab}}", "bad number syntax");
  CHECK_PARSE_ERR ("{{1.5i}}", "complex numbers are not supported");
  CHECK_PARSE_ERR ("{{-}}", "bad number syntax");
}

TEST (keyword_literals)
{
  CHECK_RUN ("{{true}} {{false}}", "{}", "true false");
  CHECK_RUN ("{{print nil}}", "{}", "<nil>");
  CHECK_RUN_ERR ("{{nil}}", "{}", "nil is not a command");
}

/* ---- printing values as Go's fmt ---- */

TEST (print_numbers)
{
  CHECK_RUN ("{{.}}", "2130146", "2130146");
  CHECK_RUN ("{{.}}", "-42", "-42");
  /* Beyond int64: uint64, and past that as the data wrote it.  */
  CHECK_RUN ("{{.}}", "18446744073709551615", "18446744073709551615");
  CHECK_RUN ("{{.}}", "123456789012345678901234567890", "123456789012345678901234567890");
  CHECK_RUN ("{{.}}", "-123456789012345678901234567890", "-123456789012345678901234567890");
  CHECK_RUN ("{{.}}", "1.5", "1.5");
  CHECK_RUN ("{{.}}", "1.0", "1");
  CHECK_RUN ("{{.}}", "1e6", "1e+06");
  CHECK_RUN ("{{.}}", "100000.0", "100000");
  CHECK_RUN ("{{.}}", "1234567.0", "1.234567e+06");
  CHECK_RUN ("{{.}}", "123456.7", "123456.7");
  CHECK_RUN ("{{.}}", "0.0001", "0.0001");
  CHECK_RUN ("{{.}}", "0.00001", "1e-05");
  CHECK_RUN ("{{.}}", "-0.0", "-0");
  CHECK_RUN ("{{.}}", "1e100", "1e+100");
  CHECK_RUN ("{{.}}", "0.1", "0.1");
  CHECK_RUN ("{{.}}", "3.14159265358979", "3.14159265358979");
  CHECK_RUN ("{{1e6}} {{1.5}} {{100000.0}} {{-0.0}}", "{}", "1e+06 1.5 100000 -0");
}

TEST (print_composites)
{
  CHECK_RUN ("{{.Names}}", image_row, "[localhost/busybox:latest]");
  CHECK_RUN ("{{.RepoTags}}", image_row, "[localhost/busybox:latest localhost/bb:1]");
  CHECK_RUN ("{{.Labels}}", image_row,
             "map[maintainer:nook developers org.opencontainers.image.title:bb]");
  CHECK_RUN ("{{.}}", "[1,\"a\",null,true,[2,[3]],{\"z\":1,\"y\":{}}]",
             "[1 a <nil> true [2 [3]] map[y:map[] z:1]]");
  CHECK_RUN ("{{.Mounts}}", inspect_doc, "[]");
  /* Duplicate keys: the last wins, as in a Go map.  */
  CHECK_RUN ("{{.}}|{{.a}}|{{len .}}", "{\"a\":1,\"b\":2,\"a\":3}", "map[a:3 b:2]|3|2");
}

/* ---- pipelines ---- */

TEST (pipelines)
{
  CHECK_RUN ("{{.Names | len}}", image_row, "1");
  CHECK_RUN ("{{.Names | len | printf \"%03d\"}}", image_row, "001");
  CHECK_RUN ("{{.Tag | printf \"%s-%s\" \"x\"}}", image_row, "x-latest");
  CHECK_RUN ("{{printf \"%s\" (print 1) | printf \"%s-%s\" \"x\"}}", "{}", "x-1");
  CHECK_RUN ("{{(index .RepoTags 1)}}", image_row, "localhost/bb:1");
  CHECK_RUN ("{{(index .Config.Cmd 0 | printf \"<%s>\")}}", inspect_doc, "<sh>");
  CHECK_RUN ("{{(.State).Status}}", inspect_doc, "running");
  CHECK_RUN ("{{((.State)).Status}}", inspect_doc, "running");
  CHECK_RUN ("{{3.5 | printf \"%v\"}}", "{}", "3.5");
  CHECK_RUN ("{{.Nope | printf \"%v\"}}", "{}", "<nil>");
  CHECK_RUN ("{{\"a\"\n|\nprintf \"%s!\"}}", "{}", "a!");
}

TEST (pipelines_bad)
{
  CHECK_PARSE_ERR ("{{.Tag | \"x\"}}", "non executable command in pipeline stage 2");
  CHECK_PARSE_ERR ("{{.A | . }}", "non executable command in pipeline stage 2");
  CHECK_PARSE_ERR ("{{.A | | .B}}", "unexpected \"|\" in command");
  CHECK_PARSE_ERR ("{{.A |}}", "missing command after |");
  CHECK_PARSE_ERR ("{{}}", "template: 1:3: missing value for command");
  CHECK_PARSE_ERR ("{{ }}", "missing value for command");
  CHECK_PARSE_ERR ("{{(.A}}", "unclosed left paren");
  CHECK_PARSE_ERR ("{{.A)}}", "unexpected \")\" in command");
  CHECK_PARSE_ERR ("{{()}}", "missing value for parenthesized pipeline");
  CHECK_PARSE_ERR ("{{\"x\".Foo}}", "unexpected . after term \"\\\"x\\\"\"");
  CHECK_PARSE_ERR ("{{printf\"x\"}}", "bad character U+0022 '\"'");
  CHECK_RUN_ERR ("{{.Tag \"x\"}}", image_row,
                 "Tag has arguments but cannot be invoked as function");
  CHECK_RUN_ERR ("{{.Tag | .Tag}}", image_row, "Tag has arguments but cannot be invoked");
  CHECK_RUN_ERR ("{{\"x\" \"y\"}}", "{}", "can't give argument to non-function \"x\"");
  CHECK_RUN_ERR ("{{(1) 2}}", "{}", "can't give argument to non-function (1)");
}

/* ---- variables ---- */

TEST (variables)
{
  CHECK_RUN ("{{$x := .Tag}}{{$x}}", image_row, "latest");
  CHECK_RUN ("{{$x := 1}}{{$x = 2}}{{$x}}", "{}", "2");
  CHECK_RUN ("{{$x := 1}}{{$x := 2}}{{$x}}", "{}", "2");
  CHECK_RUN ("{{ $x := \"a\" | printf \"%s!\" }}{{$x}}", "{}", "a!");
  CHECK_RUN ("{{$x := .State}}{{$x.Status}}", inspect_doc, "running");
  CHECK_RUN ("{{$}}", "7", "7");
  CHECK_RUN ("{{with .State}}{{$.Name}}:{{.Status}}{{end}}", inspect_doc, "web:running");
  CHECK_RUN ("{{$x := .Nope}}{{$x}}", "{}", "<no value>");
  CHECK_RUN ("{{$l := split \"a b\" \" \"}}{{$l}} {{index $l 1}}", "{}", "[a b] b");
  /* Assigning while the old value is an argument in flight.  */
  CHECK_RUN ("{{$x := \"old\"}}{{print $x ($x = \"new\") $x}}", "{}", "oldnewnew");
  CHECK_RUN ("{{$_x9 := 1}}{{$_x9}}", "{}", "1");
}

TEST (variables_scope)
{
  CHECK_RUN ("{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}", "{}", "2");
  CHECK_RUN ("{{$x := 1}}{{if true}}{{$x := 2}}{{$x}}{{end}}{{$x}}", "{}", "21");
  CHECK_RUN ("{{with $x := .Tag}}{{$x}}{{else}}{{$x}}{{end}}", image_row, "latest");
  CHECK_RUN ("{{with $x := .Nope}}{{$x}}{{else}}[{{$x}}]{{end}}", image_row, "[<no value>]");
  CHECK_PARSE_ERR ("{{if $x := 1}}{{end}}{{$x}}", "undefined variable \"$x\"");
  CHECK_PARSE_ERR ("{{range .L}}{{$y := 1}}{{end}}{{$y}}", "undefined variable \"$y\"");
  CHECK_PARSE_ERR ("{{if true}}{{$y := 1}}{{else}}{{$y}}{{end}}", "undefined variable \"$y\"");
  CHECK_PARSE_ERR ("{{$z}}", "template: 1:3: undefined variable \"$z\"");
  CHECK_PARSE_ERR ("{{$y = 2}}", "undefined variable \"$y\"");
  CHECK_PARSE_ERR ("{{$x, $y := 1}}", "too many declarations in command");
  CHECK_PARSE_ERR ("{{range $i, 3}}{{end}}", "range can only initialize variables");
  CHECK_PARSE_ERR ("{{$x=1}}", "bad character U+003D '='");
  CHECK_PARSE_ERR ("{{$x : 1}}", "expected :=");
}

/* ---- if, with ---- */

TEST (if_else)
{
  CHECK_RUN ("{{if .State.Running}}up{{else}}down{{end}}", inspect_doc, "up");
  CHECK_RUN ("{{if .Dangling}}yes{{else}}no{{end}}", image_row, "no");
  CHECK_RUN ("{{if .Nope}}yes{{end}}", image_row, "");
  CHECK_RUN ("{{if 0}}a{{else if 0}}b{{else}}c{{end}}", "{}", "c");
  CHECK_RUN ("{{if 0}}a{{else if 1}}b{{else}}c{{end}}", "{}", "b");
  CHECK_RUN ("{{if 0}}a{{else if 0}}b{{else if 0}}c{{end}}", "{}", "");
  CHECK_RUN ("{{if eq .State.Status \"running\" \"paused\"}}live{{end}}", inspect_doc, "live");
  CHECK_RUN ("{{if and .State.Running (not .State.ExitCode)}}ok{{end}}", inspect_doc, "ok");
  CHECK_RUN ("{{if $s := .State.Status}}{{$s}}{{end}}", inspect_doc, "running");
}

TEST (with_else)
{
  CHECK_RUN ("{{with .State}}{{.Status}}{{end}}", inspect_doc, "running");
  CHECK_RUN ("{{with .Mounts}}has{{else}}none{{end}}", inspect_doc, "none");
  CHECK_RUN ("{{with .Nope}}x{{else}}{{.Name}}{{end}}", inspect_doc, "web");
  CHECK_RUN ("{{with 0}}a{{else with 2}}{{.}}{{end}}", "{}", "2");
  CHECK_RUN ("{{with .Config.Labels}}{{.maintainer}}{{end}}", inspect_doc, "me");
}

TEST (control_errors)
{
  CHECK_PARSE_ERR ("{{if}}{{end}}", "missing value for if");
  CHECK_PARSE_ERR ("{{if 1}}", "unexpected EOF");
  CHECK_PARSE_ERR ("{{if 1}}{{else}}", "unexpected EOF");
  CHECK_PARSE_ERR ("{{end}}", "template: 1:3: unexpected {{end}}");
  CHECK_PARSE_ERR ("{{else}}", "unexpected {{else}}");
  CHECK_PARSE_ERR ("{{if 1}}a{{else}}b{{else}}c{{end}}", "expected end; found {{else}}");
  CHECK_PARSE_ERR ("{{range .L}}{{else if 1}}{{end}}", "unexpected <if> in else");
  CHECK_PARSE_ERR ("{{end 1}}", "unexpected \"1\" in end");
  CHECK_PARSE_ERR ("{{break}}", "{{break}} outside {{range}}");
  CHECK_PARSE_ERR ("{{range .L}}{{else}}{{continue}}{{end}}", "{{continue}} outside {{range}}");
  CHECK_PARSE_ERR ("{{template \"x\"}}", "{{template}} is not supported");
  CHECK_PARSE_ERR ("{{define \"x\"}}{{end}}", "{{define}} is not supported");
  CHECK_PARSE_ERR ("{{block \"x\" .}}{{end}}", "{{block}} is not supported");
  CHECK_PARSE_ERR ("{{printf \"%v\" if}}", "unexpected <if> in operand");
}

/* ---- range ---- */

TEST (range_arrays)
{
  CHECK_RUN ("{{range .RepoTags}}{{.}} {{end}}", image_row,
             "localhost/busybox:latest localhost/bb:1 ");
  CHECK_RUN ("{{range $i, $e := .RepoTags}}{{$i}}={{$e}};{{end}}", image_row,
             "0=localhost/busybox:latest;1=localhost/bb:1;");
  CHECK_RUN ("{{range $e := .Config.Cmd}}[{{$e}}]{{end}}", inspect_doc, "[sh][-c][true]");
  CHECK_RUN ("{{range .Mounts}}x{{else}}no mounts{{end}}", inspect_doc, "no mounts");
  CHECK_RUN ("{{range .Nope}}x{{else}}nothing{{end}}", inspect_doc, "nothing");
  CHECK_RUN ("{{range .Digest}}x{{else}}null{{end}}", image_row, "null");
  CHECK_RUN ("{{range .Config.Env}}{{$.Name}}:{{.}} {{end}}", inspect_doc,
             "web:PATH=/bin web:HOME=/root ");
  CHECK_RUN ("{{range split \"a,b\" \",\"}}<{{.}}>{{end}}", "{}", "<a><b>");
  CHECK_RUN ("{{range .}}{{range .}}{{.}}{{end}};{{end}}", "[[1,2],[3],[]]", "12;3;;");
}

TEST (range_objects)
{
  /* Keys in sorted order, as Go ranges over a map.  */
  CHECK_RUN ("{{range $k, $v := .Config.Labels}}{{$k}}={{$v}} {{end}}", inspect_doc,
             "a=1 b=2 maintainer=me ");
  CHECK_RUN ("{{range .Config.Labels}}{{.}} {{end}}", inspect_doc, "1 2 me ");
  CHECK_RUN ("{{range $k, $v := .}}{{$k}}{{$v}}{{end}}", "{\"b\":1,\"a\":2,\"b\":3}", "a2b3");
  CHECK_RUN ("{{range $p, $b := .NetworkSettings.Ports}}{{$p}}->{{(index $b 0).HostPort}}{{end}}",
             inspect_doc, "80/tcp->8080");
  CHECK_RUN ("{{range .}}x{{else}}empty{{end}}", "{}", "empty");
}

TEST (range_break_continue)
{
  CHECK_RUN ("{{range .}}{{if eq . 3}}{{break}}{{end}}{{.}}{{end}}", "[1,2,3,4]", "12");
  CHECK_RUN ("{{range .}}{{if eq . 2}}{{continue}}{{end}}{{.}}{{end}}", "[1,2,3]", "13");
  CHECK_RUN ("{{range .}}{{range .}}{{break}}{{end}}{{.}}{{end}}", "[[1],[2]]", "[1][2]");
  CHECK_RUN ("{{range $i, $e := .}}{{with $e}}{{if gt $i 0}}{{break}}{{end}}{{end}}{{$e}}{{end}}",
             "[\"a\",\"b\"]", "a");
  CHECK_RUN ("{{range $k, $v := .}}{{break}}{{end}}done", "{\"a\":1}", "done");
}

TEST (range_errors)
{
  CHECK_RUN_ERR ("{{range 3}}x{{end}}", "{}",
                 "template: 1:9: executing at <3>: range can't iterate over 3");
  CHECK_RUN_ERR ("{{range \"ab\"}}x{{end}}", "{}", "range can't iterate over ab");
  CHECK_RUN_ERR ("{{range .Tag}}x{{end}}", image_row, "range can't iterate over latest");
  CHECK_PARSE_ERR ("{{range}}{{end}}", "missing value for range");
}

/* ---- truth ---- */

TEST (truthiness)
{
  const char *data = "{\"f\":false,\"t\":true,\"z\":0,\"o\":1,\"zf\":0.0,\"e\":\"\",\"s\":\"x\","
                     "\"n\":null,\"ea\":[],\"a\":[0],\"eo\":{},\"ob\":{\"k\":0}}";
  CHECK_RUN ("{{if .f}}T{{else}}F{{end}}{{if .t}}T{{else}}F{{end}}"
             "{{if .z}}T{{else}}F{{end}}{{if .o}}T{{else}}F{{end}}"
             "{{if .zf}}T{{else}}F{{end}}{{if .e}}T{{else}}F{{end}}"
             "{{if .s}}T{{else}}F{{end}}{{if .n}}T{{else}}F{{end}}"
             "{{if .ea}}T{{else}}F{{end}}{{if .a}}T{{else}}F{{end}}"
             "{{if .eo}}T{{else}}F{{end}}{{if .ob}}T{{else}}F{{end}}"
             "{{if .missing}}T{{else}}F{{end}}",
             data, "FTFTFFTFFTFTF");
  CHECK_RUN ("{{not 0}} {{not 1}} {{not \"\"}} {{not .}}", "[]", "true false true true");
}

/* ---- builtins ---- */

TEST (and_or)
{
  CHECK_RUN ("{{and 1 2}} {{and 1 0 2}} {{or 0 \"\" \"x\"}} {{or 0 \"\"}}|", "{}", "2 0 x |");
  CHECK_RUN ("{{and .Nope 1}}", "{}", "<no value>");
  /* Short circuit: the failing index is never run.  */
  CHECK_RUN ("{{and false (index .L 99)}}", "{\"L\":[]}", "false");
  CHECK_RUN ("{{or true (index .L 99)}}", "{\"L\":[]}", "true");
  CHECK_RUN ("{{1 | and true}} {{0 | or false}}", "{}", "1 0");
  CHECK_RUN_ERR ("{{and}}", "{}", "wrong number of args for and: want at least 1 got 0");
  CHECK_RUN_ERR ("{{and true (index .L 99)}}", "{\"L\":[]}", "index out of range: 99");
}

TEST (comparisons)
{
  CHECK_RUN ("{{eq 1 2 3 1}}|{{eq \"a\" \"b\"}}|{{ne 1 2}}|{{le 2 2}}|{{gt 2.5 1.5}}|{{ge \"b\" "
             "\"a\"}}",
             "{}", "true|false|true|true|true|true");
  CHECK_RUN ("{{lt 1 2}} {{lt 2 1}} {{gt \"b\" \"a\"}} {{le 1.5 1.5}} {{ge 1 2}}", "{}",
             "true false true true false");
  CHECK_RUN ("{{eq .State.ExitCode 0}} {{eq .Name \"web\"}}", inspect_doc, "true true");
  CHECK_RUN ("{{eq nil nil}} {{eq .Nope 1}} {{eq .Nope nil}} {{ne .Nope \"x\"}}", "{}",
             "true false true true");
  CHECK_RUN ("{{eq true true}} {{eq true false}}", "{}", "true false");
  /* int against uint64 compares values.  */
  CHECK_RUN ("{{lt .i .u}} {{gt .i .u}} {{eq .u .u}} {{lt -1 .u}}",
             "{\"i\":1,\"u\":18446744073709551615}", "true false true true");
}

TEST (comparisons_bad)
{
  CHECK_RUN_ERR ("{{eq 1 1.0}}", "{}",
                 "template: 1:3: executing at <eq 1 1.0>: error calling eq: incompatible types "
                 "for comparison");
  CHECK_RUN_ERR ("{{eq \"a\" 1}}", "{}", "incompatible types for comparison");
  CHECK_RUN_ERR ("{{lt 1 2.0}}", "{}", "incompatible types for comparison");
  CHECK_RUN_ERR ("{{lt true false}}", "{}", "error calling lt: invalid type for comparison");
  CHECK_RUN_ERR ("{{lt 1 nil}}", "{}", "invalid type for comparison");
  CHECK_RUN_ERR ("{{eq .Names .Names}}", image_row, "error calling eq: non-comparable type");
  CHECK_RUN_ERR ("{{eq 1}}", "{}", "error calling eq: missing argument for comparison");
  CHECK_RUN_ERR ("{{lt 1}}", "{}", "wrong number of args for lt: want 2 got 1");
  CHECK_RUN_ERR ("{{ne 1 2 3}}", "{}", "wrong number of args for ne: want 2 got 3");
}

TEST (len)
{
  CHECK_RUN ("{{len .RepoTags}} {{len .Labels}} {{len .Tag}} {{len \"héllo\"}}", image_row,
             "2 2 6 6");
  CHECK_RUN ("{{len .Digest}} {{len .Nope}} {{len nil}}", image_row, "0 0 0");
  CHECK_RUN ("{{.History | len}}", "{\"History\":[1,2,3]}", "3");
  CHECK_RUN_ERR ("{{len 3}}", "{}", "error calling len: len of type int");
  CHECK_RUN_ERR ("{{len true}}", "{}", "len of type bool");
  CHECK_RUN_ERR ("{{len}}", "{}", "wrong number of args for len: want 1 got 0");
}

TEST (index)
{
  CHECK_RUN ("{{index .Config.Labels \"maintainer\"}}", inspect_doc, "me");
  CHECK_RUN ("{{index .Labels \"org.opencontainers.image.title\"}}", image_row, "bb");
  CHECK_RUN ("{{index .RepoTags 1}}", image_row, "localhost/bb:1");
  CHECK_RUN ("{{index .NetworkSettings.Ports \"80/tcp\" 0 \"HostPort\"}}", inspect_doc, "8080");
  CHECK_RUN ("{{index . 1 0}}", "[[1],[2,3]]", "2");
  CHECK_RUN ("{{index \"abc\" 1}}", "{}", "98");
  CHECK_RUN ("{{index .RepoTags}}", image_row, "[localhost/busybox:latest localhost/bb:1]");
  /* A missing key gives the zero value of Podman's map[string]string.  */
  CHECK_RUN ("[{{index .Labels \"nope\"}}]", image_row, "[]");
  CHECK_RUN ("[{{index .Digest \"nope\"}}]", image_row, "[]");
  CHECK_RUN ("{{if index .Labels \"nope\"}}y{{else}}n{{end}}", image_row, "n");
  CHECK_RUN ("{{index (split \"a:b:c\" \":\") 2}}", "{}", "c");
  CHECK_RUN ("{{index .m \"k\"}}", "{\"m\":{\"k\":null}}", "<nil>");
}

TEST (index_errors)
{
  CHECK_RUN_ERR ("{{index .Names 5}}", image_row,
                 "template: 1:3: executing at <index .Names 5>: error calling index: index out "
                 "of range: 5");
  CHECK_RUN_ERR ("{{index .Names 1}}", image_row, "index out of range: 1");
  CHECK_RUN_ERR ("{{index .Names -1}}", image_row, "index out of range: -1");
  CHECK_RUN_ERR ("{{index \"abc\" 3}}", "{}", "index out of range: 3");
  CHECK_RUN_ERR ("{{index .Names \"a\"}}", image_row, "cannot index slice/array with type string");
  CHECK_RUN_ERR ("{{index .Names nil}}", image_row, "cannot index slice/array with nil");
  CHECK_RUN_ERR ("{{index .Names 1.5}}", image_row, "cannot index slice/array with type float64");
  CHECK_RUN_ERR ("{{index .Labels 1}}", image_row, "value has type int; should be string");
  CHECK_RUN_ERR ("{{index 3 1}}", "{}", "error calling index: can't index item of type int");
  CHECK_RUN_ERR ("{{index .Size \"a\"}}", image_row, "can't index item of type int");
  CHECK_RUN_ERR ("{{index .Digest 0}}", image_row, "index out of range: 0");
  CHECK_RUN_ERR ("{{index}}", "{}", "wrong number of args for index: want at least 1 got 0");
}

TEST (slice)
{
  CHECK_RUN ("{{slice \"abcdef\" 1 3}}|{{slice \"abc\" 1}}|{{slice \"abc\"}}|{{slice \"abc\" 3}}",
             "{}", "bc|bc|abc|");
  CHECK_RUN ("{{slice .RepoTags 1}}|{{slice .RepoTags 0 1}}|{{slice .RepoTags 1 1}}", image_row,
             "[localhost/bb:1]|[localhost/busybox:latest]|[]");
  CHECK_RUN ("{{slice . 0 1 2}}", "[1,2,3]", "[1]");
  CHECK_RUN ("{{index (slice . 1) 0}}", "[1,2,3]", "2");
  CHECK_RUN_ERR ("{{slice \"abc\" 2 1}}", "{}", "invalid slice index: 2 > 1");
  CHECK_RUN_ERR ("{{slice \"abc\" 4}}", "{}", "index out of range: 4");
  CHECK_RUN_ERR ("{{slice \"abc\" 0 1 2}}", "{}", "cannot 3-index slice a string");
  CHECK_RUN_ERR ("{{slice 3 1}}", "{}", "can't slice item of type int");
  CHECK_RUN_ERR ("{{slice nil 1}}", "{}", "slice of untyped nil");
}

TEST (print_println)
{
  CHECK_RUN ("{{print \"a\" 1 2 \"b\" nil}}|{{print nil nil}}|{{print 1.5 true}}", "{}",
             "a1 2b<nil>|<nil> <nil>|1.5 true");
  CHECK_RUN ("{{print}}|{{println}}|{{println 1 \"a\" .}}", "[1]", "|\n|1 a [1]\n");
  CHECK_RUN ("{{print .Nope}}", "{}", "<nil>");
  CHECK_RUN ("{{print .Names .Tag}}", image_row, "[localhost/busybox:latest]latest");
}

TEST (printf_verbs)
{
  CHECK_RUN ("{{printf \"%5.1q|%-6d|%06d|%x|% x|%#08x|%+.2e|%8.3f|%-8v|%08s|%.2s|%c|%U|%#U|%T|%T|"
             "%q\" \"héllo\" 42 -42 \"hi\" \"hi\" 255 12345.678 3.14159 true \"ab\" \"héllo\" 233 "
             "233 233 1 \"s\" 65}}",
             "{}",
             "  \"h\"|42    |-00042|6869|68 69|0x000000ff|+1.23e+04|   3.142|true    |000000ab|hé|"
             "é|U+00E9|U+00E9 'é'|int|string|'A'");
  CHECK_RUN (
      "{{printf \"%d|%5d|%-5d|%+d|%x|%X|%o|%#o|%O|%b|%08.3d\" 42 42 42 42 255 255 8 8 8 5 7}}",
      "{}", "42|   42|42   |+42|ff|FF|10|010|0o10|101|     007");
  CHECK_RUN ("{{printf \"%v %s %q\" \"a b\" \"c\" \"d\\\"e\\n\"}}", "{}", "a b c \"d\\\"e\\n\"");
  CHECK_RUN ("{{printf \"%t %v\" true false}}", "{}", "true false");
  CHECK_RUN ("{{printf \"%v|%g|%e|%f|%.2f|%G\" 1.5 1e21 1e6 3.0 2.345 1e-7}}", "{}",
             "1.5|1e+21|1.000000e+06|3.000000|2.35|1E-07");
  CHECK_RUN ("{{printf \"%5.1f|%-7.2f|%07.2f\" 3.14159 2.5 -1.5}}", "{}", "  3.1|2.50   |-001.50");
  CHECK_RUN ("{{printf \"%s|%v|%d\" .Names .Labels .Names}}", image_row,
             "[localhost/busybox:latest]|map[maintainer:nook developers "
             "org.opencontainers.image.title:bb]|[%!d(string=localhost/busybox:latest)]");
  CHECK_RUN ("{{printf \"%d\" .}}", "[1,2]", "[1 2]");
  CHECK_RUN ("{{printf \"%q\" .}}", "[\"a\",\"b\"]", "[\"a\" \"b\"]");
  CHECK_RUN ("{{printf \"%5v|\" .}}", "[1,2]", "[    1     2]|");
  CHECK_RUN ("{{printf \"%d\" .}}", "12345678901234567890123", "12345678901234567890123");
  CHECK_RUN ("{{printf \"%x %X\" . .}}", "[18446744073709551615]",
             "[ffffffffffffffff] [FFFFFFFFFFFFFFFF]");
  CHECK_RUN ("{{printf \"%q|%c\" 0x1F600 0x1F600}}", "{}", "'😀'|😀");
  CHECK_RUN ("{{printf \"%q\" \"\\x01\\xff\\u00a0é\"}}", "{}", "\"\\x01\\xff\\u00a0é\"");
  CHECK_RUN ("{{printf \"100%%\"}}", "{}", "100%");
  CHECK_RUN ("{{printf \"no verbs\"}}", "{}", "no verbs");
}

TEST (printf_bad_args)
{
  CHECK_RUN ("{{printf \"%v|%d\" nil nil}}", "{}", "<nil>|%!d(<nil>)");
  CHECK_RUN ("{{printf \"%\" 1}}", "{}", "%!(NOVERB)%!(EXTRA int=1)");
  CHECK_RUN ("{{printf \"%z\" 1}}", "{}", "%!z(int=1)");
  CHECK_RUN ("{{printf \"%s\"}}", "{}", "%!s(MISSING)");
  CHECK_RUN ("{{printf \"%s\" 1 2}}", "{}", "%!s(int=1)%!(EXTRA int=2)");
  CHECK_RUN ("{{printf \"x\" 1 \"a\" nil}}", "{}", "x%!(EXTRA int=1, string=a, <nil>)");
  CHECK_RUN ("{{printf \"%d\" 3.5}}", "{}", "%!d(float64=3.5)");
  CHECK_RUN ("{{printf \"%d %t\" \"s\" 1}}", "{}", "%!d(string=s) %!t(int=1)");
  CHECK_RUN ("{{printf \"%f\" true}}", "{}", "%!f(bool=true)");
  CHECK_RUN ("{{printf \"%*d|%-*d|%.*f\" 5 1 5 1 2 3.14159}}", "{}", "    1|1    |3.14");
  CHECK_RUN ("{{printf \"%*d\" \"x\" 1}}", "{}", "%!(BADWIDTH)1");
  CHECK_RUN ("{{printf \"%.*d\" \"x\" 1}}", "{}", "%!(BADPREC)1");
  /* Go gives up on widths past 1e6 rather than allocate them.  */
  CHECK_RUN ("{{printf \"%99999999d|rest\" 1}}", "{}", "%!(NOVERB)%!(EXTRA int=1)");
  CHECK_RUN_ERR ("{{printf 1}}", "{}",
                 "error calling printf: wrong type for value; expected "
                 "string; got int");
  CHECK_RUN_ERR ("{{printf}}", "{}", "wrong number of args for printf: want at least 1 got 0");
}

TEST (printf_more)
{
  /* Explicit argument indexes, as Go's fmt.  */
  CHECK_RUN ("{{printf \"%[2]d %[1]d\" 1 2}}|{{printf \"%[3]d\" 1}}|{{printf \"%[0]d\" 1}}", "{}",
             "2 1|%!d(BADINDEX)|%!d(BADINDEX)");
  CHECK_RUN ("{{printf \"%[1]d %d\" 1 2}}|{{printf \"%[1]*d|%.[2]*f\" 5 2 3.14159}}", "{}",
             "1 2|    2|3.14");
  CHECK_RUN ("{{printf \"%d %d %[1]d %d\" 1 2}}", "{}", "1 2 1 2");
  /* Floats: %v takes a precision as %g; %x is hexadecimal.  */
  CHECK_RUN ("{{printf \"%.3v|%10.4v|%v|%6.2v\" 3.14159 2.0 1e-10 3.14159}}", "{}",
             "3.14|         2|1e-10|   3.1");
  CHECK_RUN ("{{printf \"%x|%X|%.2x|%x\" 1.5 -3.0 1.3 0.0}}", "{}",
             "0x1.8p+00|-0X1.8P+01|0x1.4dp+00|0x0p+00");
  CHECK_RUN ("{{printf \"%v %s %d\" true true true}}", "{}", "true %!s(bool=true) %!d(bool=true)");
  CHECK_RUN ("{{printf \"%5s|%-5d|%05s\" nil nil \"x\"}}", "{}", "%!s(<nil>)|%!d(<nil>)|0000x");
  CHECK_RUN ("{{printf \"%-05d|%0-5d|\" 1 1}}", "{}", "1    |1    |");
  CHECK_RUN ("{{printf \"%.2f %.0f %.1f\" 2.675 0.5 0.25}}", "{}", "2.67 0 0.2");
  CHECK_RUN ("{{printf \"%5.1e|%-12.4E|%+.3g\" 12345.6789 0.000123 1.0}}", "{}",
             "1.2e+04|1.2300E-04  |+1");
  CHECK_RUN ("{{printf \"%T %T %T %T %T\" nil true 1.5 \"s\" .}}", "[]",
             "<nil> bool float64 string []interface {}");
  CHECK_RUN ("{{printf \"%v|%x|%o|%#b|%O\" 0x7FFFFFFFFFFFFFFF -1 -8 5 8}}", "{}",
             "9223372036854775807|-1|-10|0b101|0o10");
  CHECK_RUN ("{{printf \"%08.3d|%.0d|%5.0d|%+.2d|% 05d\" 7 0 0 3 4}}", "{}",
             "     007||     |+03| 0004");
  CHECK_RUN ("{{printf \"%3c|%-4q|%06q\" 65 65 \"a\"}}", "{}", "  A|'A' |000\"a\"");
  CHECK_RUN ("{{printf \"%q\" \"\\a\\b\\f\\v\\x7f\\u2028\\ufeff\\U0010ffff\"}}", "{}",
             "\"\\a\\b\\f\\v\\x7f\\u2028\\ufeff\\U0010ffff\"");
}

TEST (html_urlquery)
{
  CHECK_RUN ("{{html \"<a href=\\\"x\\\">&'</a>\"}}", "{}",
             "&lt;a href=&#34;x&#34;&gt;&amp;&#39;&lt;/a&gt;");
  CHECK_RUN ("{{urlquery \"a b&c=d/é~\"}}", "{}", "a+b%26c%3Dd%2F%C3%A9~");
  CHECK_RUN ("{{html 1 2}}|{{urlquery}}|{{html 1 \"x\"}}", "{}", "1 2||1x");
  CHECK_RUN ("{{html nil}}|{{html .Nope}}|{{urlquery \"~!*()'\"}}", "{}",
             "&lt;no value&gt;|&lt;no value&gt;|~%21%2A%28%29%27");
}

/* ---- Podman's functions ---- */

TEST (podman_json)
{
  CHECK_RUN ("{{json .Labels}}", image_row,
             "{\"org.opencontainers.image.title\":\"bb\",\"maintainer\":\"nook developers\"}");
  CHECK_RUN ("{{json .Names}}", image_row, "[\"localhost/busybox:latest\"]");
  CHECK_RUN ("{{json .Tag}} {{json .Size}} {{json .Dangling}} {{json .Digest}} {{json .Nope}}",
             image_row, "\"latest\" 2130146 false null null");
  CHECK_RUN ("{{json .}}", "{\"a\":[1,2.50,{\"b\":null}],\"c\":\"<&>\"}",
             "{\"a\":[1,2.50,{\"b\":null}],\"c\":\"<&>\"}");
  CHECK_RUN ("{{json \"q\\\"\\n\\t\\u0001\"}}", "{}", "\"q\\\"\\n\\t\\u0001\"");
  CHECK_RUN ("{{json 1.5}} {{json 1e21}} {{json 1e-7}} {{json 100000.0}}", "{}",
             "1.5 1e+21 1e-7 100000");
  CHECK_RUN ("{{json (split \"a b\" \" \")}}", "{}", "[\"a\",\"b\"]");
  CHECK_RUN ("{{json .}}", "18446744073709551616", "18446744073709551616");
  /* Bytes that are not UTF-8 become U+FFFD, as Go writes them.  */
  CHECK_RUN ("{{json \"a\\xffb\"}}", "{}",
             "\"a\xef\xbf\xbd"
             "b\"");
}

TEST (podman_case)
{
  CHECK_RUN ("{{upper .Repository}}|{{lower \"ABC def\"}}", image_row, "LOCALHOST/BUSYBOX|abc def");
  CHECK_RUN ("{{upper \"héllo ß\"}}|{{lower \"HÉLLO\"}}", "{}", "HÉLLO ß|héllo");
  CHECK_RUN ("{{title \"hello wORLD foo-bar a_b 1x été\"}}", "{}",
             "Hello WORLD Foo-Bar A_b 1x Été");
  CHECK_RUN ("{{upper \"a\\xffb\"}}", "{}",
             "A\xef\xbf\xbd"
             "B");
  CHECK_RUN_ERR ("{{upper .Size}}", image_row,
                 "error calling upper: wrong type for value; expected string; got int");
  CHECK_RUN_ERR ("{{lower}}", "{}", "wrong number of args for lower: want 1 got 0");
}

TEST (podman_truncate_pad)
{
  CHECK_RUN ("{{truncate .ID 5}}|{{truncate \"ab\" 5}}|{{truncate \"ab\" 0}}", image_row,
             "38ce4|ab|");
  /* Bytes, as Podman cuts them.  */
  CHECK_RUN ("{{truncate \"héllo\" 2}}", "{}", "h\xc3");
  CHECK_RUN ("[{{pad .Tag 2 3}}]|[{{pad \"\" 2 2}}]", image_row, "[  latest   ]|[]");
  CHECK_RUN_ERR ("{{truncate \"ab\" -1}}", "{}",
                 "error calling truncate: slice bounds out of range");
  CHECK_RUN_ERR ("{{truncate \"ab\" \"x\"}}", "{}", "expected int; got string");
  CHECK_RUN_ERR ("{{pad \"x\" -1 0}}", "{}", "negative Repeat count");
  CHECK_RUN_ERR ("{{pad \"x\" 100000000 0}}", "{}", "result larger than");
}

TEST (podman_join_split)
{
  CHECK_RUN ("{{join .RepoTags \", \"}}", image_row, "localhost/busybox:latest, localhost/bb:1");
  CHECK_RUN ("{{join .Mounts \",\"}}|{{join .Digest \",\"}}", inspect_doc, "|");
  CHECK_RUN ("{{join . \"+\"}}", "[1,\"a\",true]", "1+a+true");
  CHECK_RUN ("{{split \"a,b,,c\" \",\"}}|{{split \"abc\" \"\"}}|{{len (split \"\" \",\")}}|{{len "
             "(split \"\" \"\")}}",
             "{}", "[a b  c]|[a b c]|1|0");
  CHECK_RUN ("{{split \"héllo\" \"\"}}|{{split \"a::b\" \"::\"}}", "{}", "[h é l l o]|[a b]");
  CHECK_RUN ("{{join (split \"a b c\" \" \") \"/\"}}", "{}", "a/b/c");
  CHECK_RUN_ERR ("{{join .Tag \",\"}}", image_row, "expected []string; got string");
  CHECK_RUN_ERR ("{{split 1 \",\"}}", "{}", "error calling split: wrong type for value");
}

TEST (podman_realistic)
{
  CHECK_RUN ("{{.Repository}}:{{.Tag}}\n", image_row, "localhost/busybox:latest\n");
  CHECK_RUN ("{{.ID}}\t{{.Names}}\n", image_row, "38ce4ae3b3a1\t[localhost/busybox:latest]\n");
  CHECK_RUN ("{{range .RepoTags}}{{.}} {{end}}", image_row,
             "localhost/busybox:latest localhost/bb:1 ");
  CHECK_RUN ("{{index .Config.Labels \"maintainer\"}}", inspect_doc, "me");
  CHECK_RUN ("{{if .State.Running}}up{{else}}down{{end}}", inspect_doc, "up");
  CHECK_RUN ("{{.State.ExitCode}}", inspect_doc, "0");
  CHECK_RUN ("{{.HostConfig.CpuShares}} {{.HostConfig.Memory}}", inspect_doc, "1.5 0");
  CHECK_RUN ("{{range $k, $v := .Config.Labels}}{{$k}}={{$v}}\n{{end}}", inspect_doc,
             "a=1\nb=2\nmaintainer=me\n");
  CHECK_RUN ("{{join .Config.Cmd \" \"}}", inspect_doc, "sh -c true");
  CHECK_RUN ("{{range .Config.Env}}{{if eq (index (split . \"=\") 0) \"HOME\"}}{{.}}{{end}}{{end}}",
             inspect_doc, "HOME=/root");
  CHECK_RUN ("{{with index .NetworkSettings.Ports \"80/tcp\"}}{{(index . 0).HostPort}}{{end}}",
             inspect_doc, "8080");
  CHECK_RUN ("{{printf \"%-20s %s\" .Repository .Tag}}", image_row, "localhost/busybox    latest");
}

TEST (unknown_function)
{
  CHECK_PARSE_ERR ("{{nosuch .Foo}}", "template: 1:3: function \"nosuch\" not defined");
  CHECK_PARSE_ERR ("{{.A | humanize}}", "function \"humanize\" not defined");
  CHECK_PARSE_ERR ("{{js \"x\"}}", "function \"js\" not defined");
  CHECK_PARSE_ERR ("{{call .F}}", "function \"call\" not defined");
}

/* ---- errors: where, and what is left behind ---- */

TEST (error_positions)
{
  CHECK_PARSE_ERR ("line one\n  {{.A | nosuch}}",
                   "template: 2:10: function \"nosuch\" not defined");
  CHECK_PARSE_ERR ("{{.Foo", "template: 1:7: unclosed action");
  CHECK_PARSE_ERR ("{{.Foo}", "template: 1:7: bad character U+007D '}'");
  CHECK_PARSE_ERR ("a\nb\n{{if .X}}\n", "template: 4:1: unexpected EOF");
  CHECK_PARSE_ERR ("{{.A}}{{.B", "unclosed action");
  CHECK_PARSE_ERR ("{{.A-}}", "bad character U+002D '-'");
  CHECK_PARSE_ERR ("{{.A\x01}}", "bad character U+0001");
  CHECK_PARSE_ERR ("{{@}}", "bad character U+0040 '@'");
  CHECK_RUN_ERR ("x\n {{index .L 3}}", "{\"L\":[]}",
                 "template: 2:4: executing at <index .L 3>: error calling index: index out of "
                 "range: 3");
}

TEST (error_leaves_output)
{
  _cleanup_format_ struct format_template *t = NULL;
  _cleanup_buf_ struct nook_buf out = { 0 };
  nook_error_t err = NULL;

  nook_buf_puts (&out, "earlier rows\n");
  if (!CHECK_OK (format_parse ("partial {{index .L 5}} never", &t, &err), &err))
    return;
  CHECK_FAIL (format_execute (t, NULL, &out, &err), &err, "index out of range: 5");
  CHECK_INT_EQ (out.len, 13);
  CHECK_STR_EQ (out.data, "earlier rows\n");
}

TEST (execute_reuses_template)
{
  _cleanup_format_ struct format_template *t = NULL;
  _cleanup_buf_ struct nook_buf out = { 0 };
  nook_error_t err = NULL;
  const char *rows[] = { "{\"N\":\"a\"}", "{\"N\":\"b\"}", "{}" };

  if (!CHECK_OK (format_parse ("{{.N}}\n", &t, &err), &err))
    return;
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (rows); i++)
    {
      _cleanup_json_ nook_json *j = NULL;
      CHECK_OK (json_parse (rows[i], strlen (rows[i]), &j, &err), &err);
      CHECK_OK (format_execute (t, j, &out, &err), &err);
    }
  CHECK_STR_EQ (out.data, "a\nb\n<no value>\n");
  format_free (NULL);
}

/* ---- hostile templates and data ---- */

static char *
repeat (const char *s, size_t n)
{
  struct nook_buf b = { 0 };
  for (size_t i = 0; i < n; i++)
    nook_buf_puts (&b, s);
  return unit_keep (nook_buf_steal (&b));
}

TEST (hostile_deep_template)
{
  char *deep_parens = unit_fmt ("{{%s1%s}}", repeat ("(", 200), repeat (")", 200));
  char *ok_parens = unit_fmt ("{{%s1%s}}", repeat ("(", 90), repeat (")", 90));
  char *deep_ifs = unit_fmt ("%sx%s", repeat ("{{if 1}}", 150), repeat ("{{end}}", 150));
  char *ok_ifs = unit_fmt ("%sx%s", repeat ("{{if 1}}", 90), repeat ("{{end}}", 90));
  char *deep_else_if = unit_fmt ("{{if 0}}%s{{end}}", repeat ("{{else if 0}}", 150));
  char *many_opens = repeat ("{{range .}}", 100000);

  CHECK_PARSE_ERR (deep_parens, "nested more than 100 levels deep");
  CHECK_RUN (ok_parens, "{}", "1");
  CHECK_PARSE_ERR (deep_ifs, "nested more than 100 levels deep");
  CHECK_RUN (ok_ifs, "{}", "x");
  CHECK_PARSE_ERR (deep_else_if, "nested more than 100 levels deep");
  CHECK_PARSE_ERR (many_opens, "nested more than 100 levels deep");
  CHECK_PARSE_ERR (repeat ("{{", 100000), "bad character U+007B '{'");
  CHECK_PARSE_ERR (repeat ("}}{{-", 50000), "bad number syntax: \"-\"");
  CHECK_PARSE_ERR ("{{$.}}", "unexpected \".\" in operand");
}

TEST (hostile_deep_data)
{
  char *d100 = unit_fmt ("%s1%s", repeat ("[", 100), repeat ("]", 100));
  char *d101 = unit_fmt ("%s1%s", repeat ("[", 101), repeat ("]", 101));
  /* As deep as pkg/json parses.  */
  char *d256 = unit_fmt ("%s1%s", repeat ("{\"a\":", 256), repeat ("}", 256));

  CHECK_RUN ("{{len .}}", d100, "1");
  CHECK_STR_HAS (run ("{{.}}", d100), "[[[1]]]");
  CHECK_RUN_ERR ("{{.}}", d101, "value nested more than 100 levels deep");
  CHECK_RUN_ERR ("{{json .}}", d101, "value nested more than 100 levels deep");
  CHECK_RUN_ERR ("{{printf \"%v\" .}}", d101, "value nested more than 100 levels deep");
  CHECK_RUN_ERR ("{{.}}", d256, "value nested more than 100 levels deep");
  CHECK_RUN ("{{.a.a.a.a}}", d256, unit_fmt ("%s", run ("{{.a.a.a.a}}", d256)));
  CHECK_RUN ("{{len .a}}", d256, "1");
}

TEST (hostile_huge_range)
{
  struct nook_buf data = { 0 };

  nook_buf_putc (&data, '[');
  for (int i = 0; i < 1000; i++)
    nook_buf_printf (&data, "%s%d", i ? "," : "", i);
  nook_buf_putc (&data, ']');
  unit_keep (data.data);
  /* 10^9 iterations: stopped by the step budget.  */
  CHECK_RUN_ERR ("{{range .}}{{range $}}{{range $}}{{end}}{{end}}{{end}}", data.data,
                 "template: execution stopped after 10000000 steps");
  /* 10^6 is fine.  */
  CHECK_RUN ("{{range .}}{{range $}}{{end}}{{end}}done", data.data, "done");
  /* Output is bounded too.  */
  CHECK_RUN_ERR ("{{range .}}{{printf \"%1000000d\" 1}}{{end}}", data.data,
                 "template: output larger than 67108864 bytes");
  CHECK_RUN_ERR ("{{range .}}{{range $}}{{range $}}x{{end}}{{end}}{{end}}", data.data,
                 "execution stopped");
}

TEST (hostile_strings)
{
  /* Data is data: template syntax in a label is printed, not run.  */
  CHECK_RUN ("{{.L}}", "{\"L\":\"{{.Secret}} {{range}}\"}", "{{.Secret}} {{range}}");
  CHECK_RUN ("{{printf .L}}", "{\"L\":\"%s %d %!\"}", "%!s(MISSING) %!d(MISSING) %!!(MISSING)");
  CHECK_RUN ("{{.L}}", "{\"L\":\"a\\u0000b\"}", "a");
  CHECK_RUN ("{{.L}}|{{printf \"%q\" .L}}", "{\"L\":\"\\u001b[31mred\"}",
             "\x1b[31mred|\"\\x1b[31mred\"");
  CHECK_RUN ("{{range .}}{{.}}{{end}}", "[\"\\ud83d\\ude00\",\"\\u00e9\"]", "😀é");
  CHECK_RUN ("{{split .L \"\"}}", "{\"L\":\"\\u00e9\"}", "[é]");
  /* Lists made at run time cost steps by their length, before they are
     made: a big one fails at once rather than eat memory first.  */
  CHECK_RUN ("{{len (split .L \"\")}}", unit_fmt ("{\"L\":\"%s\"}", repeat ("ab", 100000)),
             "200000");
  CHECK_RUN_ERR ("{{split .L \"\"}}", unit_fmt ("{\"L\":\"%s\"}", repeat ("a", 2000000)),
                 "execution stopped");
}

/* ---- table headers ---- */

static const char *
image_header (const char *field, void *data)
{
  static const char *const map[][2] = {
    { ".ID", "IMAGE ID" },
    { ".Repository", "REPOSITORY" },
    { ".Size", "SIZE" },
  };
  CHECK (data == (void *)image_row);
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (map); i++)
    if (strcmp (field, map[i][0]) == 0)
      return map[i][1];
  return NULL;
}

static char *
header (const char *tmpl)
{
  _cleanup_format_ struct format_template *t = NULL;
  _cleanup_buf_ struct nook_buf out = { 0 };
  nook_error_t err = NULL;
  char *r;

  if (format_parse (tmpl, &t, &err) < 0
      || format_table_header (t, image_header, (void *)image_row, &out, &err) < 0)
    {
      r = unit_fmt ("error: %s", err->msg);
      nook_error_free (&err);
      return r;
    }
  return unit_keep (nook_buf_steal (&out));
}

TEST (header_fields)
{
  CHECK_STR_EQ (header ("{{.ID}}\t{{.Repository}}\n"), "IMAGE ID\tREPOSITORY\n");
  CHECK_STR_EQ (header ("{{.Repository}}:{{.Tag}}"), "REPOSITORY:TAG");
  CHECK_STR_EQ (header ("{{.CreatedAt}}|{{.ImageID}}|{{.IPAddress}}|{{.Port80}}|{{.RepoTags}}"),
                "CREATED AT|IMAGE ID|IP ADDRESS|PORT 80|REPO TAGS");
  CHECK_STR_EQ (header ("{{.PDFLoader}}|{{.aBc}}|{{.V2Beta}}|{{.snake_case}}|{{.ID}}"),
                "PDF LOADER|A BC|V 2 BETA|SNAKE _ CASE|IMAGE ID");
  CHECK_STR_EQ (header ("{{.Labels.maintainer}} {{.Config.ExitCode}}"), "MAINTAINER EXIT CODE");
  CHECK_STR_EQ (header ("{{.étiquette}}"), "ÉTIQUETTE");
  CHECK_STR_EQ (header ("text only\n"), "text only\n");
  CHECK_STR_EQ (header ("{{ .ID }}{{- \"x\" -}} {{.Size}}"), "IMAGE IDxSIZE");
}

TEST (header_functions)
{
  CHECK_STR_EQ (header ("{{upper .Repository}} {{lower .ID}}"), "REPOSITORY image id");
  CHECK_STR_EQ (header ("{{json .Names}}"), "\"NAMES\"");
  CHECK_STR_EQ (header ("{{.ID}}:{{if .Dangling}}x{{else}}y{{end}}"), "IMAGE ID:x");
  CHECK_STR_EQ (header ("{{range .Names}}{{.}} {{end}}"), "NAMES ");
  CHECK_STR_EQ (header ("{{index .Labels \"maintainer\"}}|{{index . \"ImageID\"}}|{{index .X 0}}"),
                "MAINTAINER|IMAGE ID|X");
  CHECK_STR_EQ (header ("{{join .Names \",\"}}|{{len .ID}}|{{truncate .Repository 4}}"),
                "NAMES|8|REPO");
  CHECK_STR_EQ (header ("{{with .State}}{{.Status}}{{end}}"), "STATUS");
  CHECK_STR_EQ (header ("{{$x := .ID}}{{$x}}/{{$.Size}}"), "IMAGE ID/SIZE");
  CHECK_STR_EQ (header ("{{.}}|{{json .}}|{{len .}}|{{range .}}x{{else}}none{{end}}"),
                "|{}|0|none");
  CHECK_STR_EQ (header ("{{printf \"%-12s|\" .Size}}"), "SIZE        |");
  CHECK_STR_EQ (header ("{{index .Names 5}}"), "NAMES");
  CHECK_STR_EQ (
      header ("{{slice .ID 0 5}}|{{printf \"%.4s\" .Repository}}|{{eq .ID \"IMAGE ID\"}}"),
      "IMAGE|REPO|true");
  CHECK_STR_HAS (header ("{{range 3}}{{end}}"), "error: template: 1:9: executing at <3>: range");
}

TEST (header_no_callback)
{
  _cleanup_format_ struct format_template *t = NULL;
  _cleanup_buf_ struct nook_buf out = { 0 };
  nook_error_t err = NULL;

  if (!CHECK_OK (format_parse ("{{.ID}}\t{{.CreatedAt}}\n", &t, &err), &err))
    return;
  CHECK_OK (format_table_header (t, NULL, NULL, &out, &err), &err);
  CHECK_STR_EQ (out.data, "ID\tCREATED AT\n");
}

/* ---- the members a template reads ---- */

/* format_fields of TMPL, joined by commas, or "(any)".  */
static char *
fields (const char *tmpl)
{
  _cleanup_format_ struct format_template *t = NULL;
  _cleanup_strv_ char **names = NULL;
  nook_error_t err = NULL;
  char *r;

  if (format_parse (tmpl, &t, &err) < 0)
    {
      r = unit_fmt ("error: %s", err->msg);
      nook_error_free (&err);
      return r;
    }
  names = format_fields (t);
  if (names == NULL)
    return "(any)";
  r = strv_join (names, ",");
  return unit_keep (r);
}

TEST (fields_read)
{
  CHECK_STR_EQ (fields ("text"), "");
  CHECK_STR_EQ (fields ("{{.ID}}\t{{.Names}} {{.ID}}"), "ID,Names");
  CHECK_STR_EQ (fields ("{{.Labels.a}} {{index .Mounts 0}} {{upper (.Image)}}"),
                "Labels,Mounts,Image");
  CHECK_STR_EQ (fields ("{{if .Exited}}{{.ExitCode}}{{else if .Pid}}{{.Status}}{{end}}"),
                "Exited,ExitCode,Pid,Status");
  /* In range and with, dot is something else; in their else it is not.  */
  CHECK_STR_EQ (fields ("{{range .Mounts}}{{.Source}}{{.}}{{else}}{{.Names}}{{end}}"),
                "Mounts,Names");
  CHECK_STR_EQ (fields ("{{with .Labels}}{{.x}}{{else with .Ports}}{{.y}}{{end}}"), "Labels,Ports");
  CHECK_STR_EQ (fields ("{{range .Mounts}}{{$.Names}}{{end}}"), "Mounts,Names");
  /* The data whole, or a variable that may hold it: any member.  */
  CHECK_STR_EQ (fields ("{{.ID}} {{.}}"), "(any)");
  CHECK_STR_EQ (fields ("{{json .}}"), "(any)");
  CHECK_STR_EQ (fields ("{{index . \"ID\"}}"), "(any)");
  CHECK_STR_EQ (fields ("{{with .}}{{.ID}}{{end}}"), "(any)");
  CHECK_STR_EQ (fields ("{{$}}"), "(any)");
  CHECK_STR_EQ (fields ("{{$x := .ID}}{{$x}}"), "(any)");
  CHECK_STR_EQ (fields ("{{range $i, $m := .Mounts}}{{$m}}{{end}}"), "(any)");
}

/* ---- --format as Podman reads it ---- */

static char *
spec (const char *arg, const char *def)
{
  enum format_kind kind;
  char *row = NULL;
  nook_error_t err = NULL;
  char *r;

  if (format_spec_parse (arg, def, &kind, &row, &err) < 0)
    {
      r = unit_fmt ("error: %s", err->msg);
      nook_error_free (&err);
      return r;
    }
  r = unit_fmt ("%s:%s",
                kind == FORMAT_JSON    ? "json"
                : kind == FORMAT_TABLE ? "table"
                                       : "tmpl",
                row ? row : "(null)");
  free (row);
  return r;
}

TEST (spec_json)
{
  CHECK_STR_EQ (spec ("json", NULL), "json:(null)");
  CHECK_STR_EQ (spec (" json \n", NULL), "json:(null)");
  CHECK_STR_EQ (spec ("{{json .}}", NULL), "json:(null)");
  CHECK_STR_EQ (spec ("{{ json . }}", NULL), "json:(null)");
  CHECK_STR_EQ (spec ("{{json}}", NULL), "json:(null)");
  CHECK_STR_EQ (spec ("{{json  .}}", NULL), "json:(null)");
  CHECK_STR_EQ (spec ("{{json .Names}}", NULL), "tmpl:{{json .Names}}\n");
  CHECK_STR_EQ (spec ("JSON", NULL), "tmpl:JSON\n");
  CHECK_STR_EQ (spec ("jsonx", NULL), "tmpl:jsonx\n");
  CHECK_STR_EQ (spec ("{{- json . -}}", NULL), "tmpl:{{- json . -}}\n");
}

TEST (spec_table)
{
  const char *def = "{{.Repository}}\t{{.Tag}}\n";

  CHECK_STR_EQ (spec ("table {{.ID}}\\t{{.Names}}", def), "table:{{.ID}}\t{{.Names}}\n");
  CHECK_STR_EQ (spec ("table {{.ID}} {{ .Names }}", def), "table:{{.ID}}\t{{\t.Names\t}}\n");
  CHECK_STR_EQ (spec ("table {{.ID}} table {{.Names}}", def), "table:{{.ID}}\t{{.Names}}\n");
  CHECK_STR_EQ (spec ("table {{.ID}}\\n", def), "table:{{.ID}}\n");
  CHECK_STR_EQ (spec ("table  {{.ID}}", def), "table:\t{{.ID}}\n");
  CHECK_STR_EQ (spec ("table", def), "table:{{.Repository}}\t{{.Tag}}\n");
  CHECK_STR_EQ (spec ("table  ", def), "table:{{.Repository}}\t{{.Tag}}\n");
  CHECK_STR_EQ (spec ("", def), "table:{{.Repository}}\t{{.Tag}}\n");
  CHECK_STR_EQ (spec (NULL, "{{.A}}"), "table:{{.A}}\n");
  CHECK_STR_EQ (spec (" table {{.ID}}", def), "tmpl: table {{.ID}}\n");
  CHECK_STR_EQ (spec ("table{{.ID}}", def), "tmpl:table{{.ID}}\n");
  CHECK_STR_HAS (spec ("table", NULL), "error: --format table");
}

TEST (spec_template)
{
  CHECK_STR_EQ (spec ("{{.ID}}", NULL), "tmpl:{{.ID}}\n");
  CHECK_STR_EQ (spec ("{{.ID}}\\n", NULL), "tmpl:{{.ID}}\n");
  CHECK_STR_EQ (spec ("{{.ID}}\n", NULL), "tmpl:{{.ID}}\n");
  CHECK_STR_EQ (spec ("{{.ID}}\\t{{.Tag}} x", NULL), "tmpl:{{.ID}}\t{{.Tag}} x\n");
  CHECK_STR_EQ (spec ("{{.ID}}\\\\n", NULL), "tmpl:{{.ID}}\\\n");
  CHECK_STR_EQ (spec ("a\\xb", NULL), "tmpl:a\\xb\n");
}

/* ---- tabwriter ---- */

static char *
tabwrite (const char *text)
{
  struct nook_buf out = { 0 };
  nook_buf_puts (&out, "");
  format_tabwrite (text, strlen (text), &out);
  return unit_keep (nook_buf_steal (&out));
}

TEST (tabwrite_basic)
{
  CHECK_STR_EQ (tabwrite ("IMAGE ID\tREPOSITORY\n38ce4ae3b3a1\tlocalhost/busybox\n"),
                "IMAGE ID      REPOSITORY\n38ce4ae3b3a1  localhost/busybox\n");
  CHECK_STR_EQ (tabwrite ("A\tB\tC\na\tb\tc\n"),
                "A           B           C\na           b           c\n");
  CHECK_STR_EQ (tabwrite ("a-very-long-cell-here\tx\nb\ty\n"),
                "a-very-long-cell-here  x\nb                      y\n");
  CHECK_STR_EQ (tabwrite (""), "");
  CHECK_STR_EQ (tabwrite ("no tabs\nat all\n"), "no tabs\nat all\n");
  CHECK_STR_EQ (tabwrite ("a\tb"), "a           b");
  CHECK_STR_EQ (tabwrite ("a\t\n"), "a           \n");
  CHECK_STR_EQ (tabwrite ("\t\n"), "            \n");
  CHECK_STR_EQ (tabwrite ("\n\n"), "\n\n");
}

TEST (tabwrite_blocks)
{
  /* A line with fewer cells ends a column: widths are per block.  */
  CHECK_STR_EQ (tabwrite ("CONTAINER ID\nNAMES\n23029c11dd79\nc1\n"),
                "CONTAINER ID\nNAMES\n23029c11dd79\nc1\n");
  CHECK_STR_EQ (tabwrite ("aaaaaaaaaaaaaaaa\tx\nbreak\nb\ty\n"),
                "aaaaaaaaaaaaaaaa  x\nbreak\nb           y\n");
  CHECK_STR_EQ (tabwrite ("a\tbbbbbbbbbbbbbbbbb\tc\nd\te\n"),
                "a           bbbbbbbbbbbbbbbbb  c\nd           e\n");
  CHECK_STR_EQ (tabwrite ("a\tb\nc\tdddddddddddddddddd\te\n"),
                "a           b\nc           dddddddddddddddddd  e\n");
  /* Width counts runes.  */
  CHECK_STR_EQ (tabwrite ("é\tx\nab\ty\n"), "é           x\nab          y\n");
  CHECK_STR_EQ (tabwrite ("ééééééééééééé\tx\nab\ty\n"), "ééééééééééééé  x\nab             y\n");
}

/* The whole flow a list command runs, against Podman's output.  */
static char *
list (const char *arg, const char *const *rows, size_t n)
{
  _cleanup_format_ struct format_template *t = NULL;
  _cleanup_buf_ struct nook_buf buf = { 0 };
  _cleanup_free_ char *row = NULL;
  struct nook_buf out = { 0 };
  enum format_kind kind;
  nook_error_t err = NULL;

  nook_buf_puts (&out, "");
  if (format_spec_parse (arg, "{{.Repository}}\t{{.Tag}}\t{{.ID}}\n", &kind, &row, &err) < 0
      || format_parse (row, &t, &err) < 0
      || (kind == FORMAT_TABLE
          && format_table_header (t, image_header, (void *)image_row, &buf, &err) < 0))
    goto fail;
  for (size_t i = 0; i < n; i++)
    {
      _cleanup_json_ nook_json *j = NULL;
      if (json_parse (rows[i], strlen (rows[i]), &j, &err) < 0
          || format_execute (t, j, &buf, &err) < 0)
        goto fail;
    }
  if (kind == FORMAT_TABLE)
    format_tabwrite (buf.data, buf.len, &out);
  else
    nook_buf_append (&out, buf.data, buf.len);
  return unit_keep (nook_buf_steal (&out));
fail:
  nook_buf_free (&out);
  out.data = unit_fmt ("error: %s", err->msg);
  nook_error_free (&err);
  return out.data;
}

TEST (list_flow)
{
  const char *rows[]
      = { image_row, "{\"ID\":\"48573b82ba04\",\"Repository\":\"localhost/nook-test\","
                     "\"Tag\":\"latest\",\"Names\":[\"a\",\"b\"]}" };

  CHECK_STR_EQ (list ("table {{.ID}}\\t{{.Repository}}", rows, 1),
                "IMAGE ID      REPOSITORY\n38ce4ae3b3a1  localhost/busybox\n");
  CHECK_STR_EQ (list ("table {{.ID}} {{upper .Repository}}", rows, 2),
                "IMAGE ID      REPOSITORY\n38ce4ae3b3a1  LOCALHOST/BUSYBOX\n"
                "48573b82ba04  LOCALHOST/NOOK-TEST\n");
  CHECK_STR_EQ (list (NULL, rows, 2), "REPOSITORY           TAG         IMAGE ID\n"
                                      "localhost/busybox    latest      38ce4ae3b3a1\n"
                                      "localhost/nook-test  latest      48573b82ba04\n");
  CHECK_STR_EQ (list ("table {{.ID}}\\n{{.Names}}", rows, 1),
                "IMAGE ID\nNAMES\n38ce4ae3b3a1\n[localhost/busybox:latest]\n");
  CHECK_STR_EQ (list ("{{.Repository}}:{{.Tag}}", rows, 2),
                "localhost/busybox:latest\nlocalhost/nook-test:latest\n");
  CHECK_STR_EQ (list ("{{json .Names}}", rows, 2),
                "[\"localhost/busybox:latest\"]\n[\"a\",\"b\"]\n");
  CHECK_STR_EQ (list ("{{range .Names}}{{.}},{{end}}\\n", rows, 2),
                "localhost/busybox:latest,\na,b,\n");
  CHECK_STR_HAS (list ("{{.ID", rows, 1), "error: template: 2:1: unclosed action");
}

UNIT_MAIN ()

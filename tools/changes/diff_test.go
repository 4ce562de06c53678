package changes

import (
	"reflect"
	"runtime/debug"
	"strings"
	"testing"
)

func TestDiffStacks(t *testing.T) {
	parse := func(s string) map[string]any {
		t.Helper()
		j, err := ParseStack([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	base := `{"provider":{"aws":[{"region":"a"}]},"resource":{"aws_x":{"a":{"v":1},"b":{"v":1}}},"data":{"aws_y":{"d":{}}}}`
	none := []string{}
	for _, tc := range []struct {
		name string
		head string
		want StackDiff
	}{
		{"same", base, StackDiff{none, none, none, none}},
		{"metadata only", `{"//":{"m":1},"provider":{"aws":[{"region":"a"}]},"resource":{"aws_x":{"a":{"v":1,"//":{"p":"x"}},"b":{"v":1}}},"data":{"aws_y":{"d":{}}}}`,
			StackDiff{none, none, none, none}},
		{"resource added, removed, changed", `{"provider":{"aws":[{"region":"a"}]},"resource":{"aws_x":{"a":{"v":2},"c":{}}},"data":{"aws_y":{"d":{}}}}`,
			StackDiff{Added: []string{"aws_x.c"}, Removed: []string{"aws_x.b"}, Changed: []string{"aws_x.a"}, Blocks: none}},
		{"data source removed", `{"provider":{"aws":[{"region":"a"}]},"resource":{"aws_x":{"a":{"v":1},"b":{"v":1}}}}`,
			StackDiff{Added: none, Removed: []string{"data.aws_y.d"}, Changed: none, Blocks: none}},
		{"provider changed, backend added", `{"provider":{"aws":[{"region":"b"}]},"terraform":{"backend":{}},"resource":{"aws_x":{"a":{"v":1},"b":{"v":1}}},"data":{"aws_y":{"d":{}}}}`,
			StackDiff{Added: none, Removed: none, Changed: none, Blocks: []string{"provider", "terraform"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := DiffStacks(parse(base), parse(tc.head)); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("DiffStacks = %+v, want %+v", got, tc.want)
			}
		})
	}
	byType, data := ResourceCounts(parse(base))
	if !reflect.DeepEqual(byType, map[string]int{"aws_x": 2}) || data != 1 {
		t.Errorf("ResourceCounts = %v, %d; want aws_x 2 and 1 data source", byType, data)
	}
}

// TestBuildEnvKeepsTheRunningCgoSetting: a side's program is built with
// the cgo setting of the program running changed (the last value of a key
// is the one exec uses), so its synthesis cache keys can meet those of
// the pipelines' CGO_ENABLED=0 build; without the setting the
// environment is left as it is.
func TestBuildEnvKeepsTheRunningCgoSetting(t *testing.T) {
	environ := []string{"PATH=/bin", "CGO_ENABLED=1"}
	cases := []struct {
		name    string
		running []debug.BuildSetting
		want    string
	}{
		{"pipelines' build", []debug.BuildSetting{{Key: "-trimpath", Value: "true"}, {Key: "CGO_ENABLED", Value: "0"}}, "0"},
		{"default build", []debug.BuildSetting{{Key: "CGO_ENABLED", Value: "1"}}, "1"},
		{"no build info", nil, "1"},
	}
	for _, c := range cases {
		got := buildEnv(environ, c.running)
		last := ""
		for _, kv := range got {
			if v, ok := strings.CutPrefix(kv, "CGO_ENABLED="); ok {
				last = v
			}
		}
		if last != c.want {
			t.Errorf("%s: CGO_ENABLED=%s, want %s (%v)", c.name, last, c.want, got)
		}
		if environ[1] != "CGO_ENABLED=1" {
			t.Fatalf("%s: buildEnv changed its argument", c.name)
		}
	}
}

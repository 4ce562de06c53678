package changes

import (
	"reflect"
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

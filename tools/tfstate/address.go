package tfstate

import (
	"fmt"
	"strconv"
	"strings"
)

// ResourceAddr is a resource's address: [module path.][data.]type.name.
type ResourceAddr struct {
	Module string
	// Mode is "managed" or "data".
	Mode string
	Type string
	Name string
}

func (a ResourceAddr) String() string {
	var b strings.Builder
	if a.Module != "" {
		b.WriteString(a.Module)
		b.WriteString(".")
	}
	if a.Mode == "data" {
		b.WriteString("data.")
	}
	b.WriteString(a.Type)
	b.WriteString(".")
	b.WriteString(a.Name)
	return b.String()
}

// InstanceAddr is a resource instance's address, with its index key when
// the resource uses count (int) or for_each (string).
type InstanceAddr struct {
	Resource ResourceAddr
	Key      any
}

func (a InstanceAddr) String() string { return a.Resource.String() + KeyString(a.Key) }

// KeyString renders an index key as Terraform does: [0] or ["a"].
func KeyString(key any) string {
	switch k := key.(type) {
	case int:
		return "[" + strconv.Itoa(k) + "]"
	case string:
		return "[" + strconv.Quote(k) + "]"
	}
	return ""
}

func keyEqual(a, b any) bool { return keyCompare(a, b) == 0 && (a == nil) == (b == nil) }

// keyCompare orders keys: none, then integers, then strings.
func keyCompare(a, b any) int {
	rank := func(k any) int {
		switch k.(type) {
		case nil:
			return 0
		case int:
			return 1
		}
		return 2
	}
	if ra, rb := rank(a), rank(b); ra != rb {
		return ra - rb
	}
	switch x := a.(type) {
	case int:
		return x - b.(int)
	case string:
		return strings.Compare(x, b.(string))
	}
	return 0
}

// ParseInstanceAddr parses an address such as aws_vpc.main,
// module.vpc.aws_subnet.private[0], aws_db_instance.db["ezra"] or
// data.aws_region.current. An address without a key names either a
// resource without count/for_each or the whole resource; the caller
// decides which from the state.
func ParseInstanceAddr(s string) (InstanceAddr, error) {
	in := s
	var module []string
	for strings.HasPrefix(s, "module.") {
		rest := s[len("module."):]
		name, key, after, err := splitStep(rest)
		if err != nil {
			return InstanceAddr{}, fmt.Errorf("address %q: %v", in, err)
		}
		if name == "" || !strings.HasPrefix(after, ".") {
			return InstanceAddr{}, fmt.Errorf("address %q: a module step must be followed by a resource", in)
		}
		module = append(module, "module."+name+key)
		s = after[1:]
	}
	mode := "managed"
	if strings.HasPrefix(s, "data.") {
		mode = "data"
		s = s[len("data."):]
	}
	typ, rest, ok := strings.Cut(s, ".")
	if !ok || !validName(typ) {
		return InstanceAddr{}, fmt.Errorf("address %q: want [module.NAME.]…[data.]TYPE.NAME[KEY]", in)
	}
	name, key, after, err := splitStep(rest)
	if err != nil {
		return InstanceAddr{}, fmt.Errorf("address %q: %v", in, err)
	}
	if after != "" {
		return InstanceAddr{}, fmt.Errorf("address %q: unexpected %q after the resource name", in, after)
	}
	a := InstanceAddr{Resource: ResourceAddr{Module: strings.Join(module, "."), Mode: mode, Type: typ, Name: name}}
	if key != "" {
		k, err := parseKey(key)
		if err != nil {
			return InstanceAddr{}, fmt.Errorf("address %q: %v", in, err)
		}
		a.Key = k
	}
	return a, nil
}

// splitStep splits NAME[KEY]rest into its parts.
func splitStep(s string) (name, key, rest string, err error) {
	i := strings.IndexAny(s, ".[")
	if i < 0 {
		name = s
	} else {
		name, rest = s[:i], s[i:]
	}
	if !validName(name) {
		return "", "", "", fmt.Errorf("invalid name %q", name)
	}
	if strings.HasPrefix(rest, "[") {
		end := closingBracket(rest)
		if end < 0 {
			return "", "", "", fmt.Errorf("unterminated index %q", rest)
		}
		key, rest = rest[:end+1], rest[end+1:]
	}
	return name, key, rest, nil
}

func closingBracket(s string) int {
	inString := false
	for i := 1; i < len(s); i++ {
		switch {
		case inString && s[i] == '\\':
			i++
		case s[i] == '"':
			inString = !inString
		case !inString && s[i] == ']':
			return i
		}
	}
	return -1
}

func parseKey(k string) (any, error) {
	inner := k[1 : len(k)-1]
	if strings.HasPrefix(inner, `"`) {
		v, err := strconv.Unquote(inner)
		if err != nil {
			return nil, fmt.Errorf("invalid string key %s", k)
		}
		return v, nil
	}
	n, err := strconv.Atoi(inner)
	if err != nil || n < 0 {
		return nil, fmt.Errorf("invalid key %s: want [N] or [\"name\"]", k)
	}
	return n, nil
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		ok := r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9'
		if !ok {
			return false
		}
	}
	return true
}

// Command scale is the scale benchmark's app (scripts/bench-scale): the
// stacks Stratum's own program builds (config.Environments and
// clients.All) plus generated clients, synthesized by the same engine
// (synth.Synthesize) with the same options from the environment.
//
//	scale [-clients N] [-change] [-plain]
//	scale -go N        print N generated clients as entries of clients.All
//
// Each generated client exists in prod, staging and dev and has one
// bucket and two applications, like an ordinary client. -change edits the
// first generated client's entry (its cost centre, which tags every one
// of its resources), as a user changing one client would. -plain
// synthesizes the way the stratum program did before the engine, for
// reference: one cdktf app with default settings, every stack built in
// this process, no cache. The code
// fingerprint is read from the source tree on disk (the module root at or
// above the working directory), which is sound for a binary built from
// that tree just before it runs, as scripts/bench-scale does; the stratum
// program fingerprints the source embedded in it instead.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/clients"
	"stratum/config"
	"stratum/stacks"
	"stratum/tools/synth"
)

func main() {
	code := run()
	// The bindings unpacked jsii's runtime into $TMPDIR while they
	// initialized; only jsii.Close removes it.
	jsii.Close()
	os.Exit(code)
}

func run() int {
	n := flag.Int("clients", 100, "number of generated clients")
	change := flag.Bool("change", false, "change the first generated client's entry")
	plain := flag.Bool("plain", false, "synthesize in one process without the engine, as before it")
	goSource := flag.Int("go", -1, "print this many generated clients as Go entries of clients.All, and exit")
	flag.Parse()
	if *goSource >= 0 {
		fmt.Print(GoSource(Generate(*goSource)))
		return 0
	}
	if *n < 0 || (*change && *n == 0) {
		fmt.Fprintln(os.Stderr, "scale: -clients must be 0 or more, and at least 1 with -change")
		return 2
	}
	root, err := synth.ModuleRoot(".")
	if err != nil {
		fmt.Fprintf(os.Stderr, "scale: %v\n", err)
		return 1
	}
	all := append(append([]clients.Client{}, clients.All...), Generate(*n)...)
	if *change {
		all[len(clients.All)].CostCentre = "cc-changed"
	}
	if *plain {
		app := cdktf.NewApp(nil)
		if err := stacks.Build(app, config.Environments(), all); err != nil {
			fmt.Fprintf(os.Stderr, "scale: %v\n", err)
			return 1
		}
		app.Synth()
		return 0
	}
	if err := synth.Synthesize(context.Background(), config.Environments(), all, os.DirFS(root)); err != nil {
		fmt.Fprintf(os.Stderr, "scale: %v\n", err)
		return 1
	}
	return 0
}

// Generate returns n clients named bench-000, bench-001, …, each in prod,
// staging and dev with one bucket and two applications.
func Generate(n int) []clients.Client {
	out := make([]clients.Client, n)
	for i := range out {
		out[i] = clients.Client{
			Name:        fmt.Sprintf("bench-%03d", i),
			DisplayName: fmt.Sprintf("Bench %d", i),
			CostCentre:  fmt.Sprintf("cc-%04d", 5000+i),
			Environments: []clients.Environment{
				{Name: "prod"},
				{Name: "staging"},
				{Name: "dev"},
			},
			Buckets: []clients.Bucket{
				{Name: "data", Lifecycle: clients.Lifecycle{Transitions: []clients.Transition{{Days: 60, StorageClass: "GLACIER_IR"}}}},
			},
			Applications: []clients.Application{
				{Name: "api", Port: 8080, Buckets: map[string]clients.Access{"data": clients.ReadWrite}, Database: true},
				{Name: "worker", Buckets: map[string]clients.Access{"data": clients.ReadOnly}},
			},
		}
	}
	return out
}

// GoSource writes clients as the entries of clients.All in
// clients/clients.go would be written (inside package clients), so that
// scripts/bench-scale can put the generated clients into a copy of the
// repository and run the real stratum program on them. It prints the
// values themselves, field by field, so it cannot drift from Generate.
func GoSource(all []clients.Client) string {
	var b strings.Builder
	for _, c := range all {
		writeValue(&b, reflect.ValueOf(c), true)
		b.WriteString(",\n")
	}
	return b.String()
}

// writeValue writes v as a Go expression of package clients: zero struct
// fields left out, map keys sorted. typed writes a composite literal's
// type (elements of a slice or map literal leave it out).
func writeValue(b *strings.Builder, v reflect.Value, typed bool) {
	typeName := func(t reflect.Type) string {
		s := t.String()
		return strings.ReplaceAll(s, "clients.", "")
	}
	switch v.Kind() {
	case reflect.String: // an untyped constant, whatever the string type
		b.WriteString(strconv.Quote(v.String()))
	case reflect.Int, reflect.Int64, reflect.Int32:
		b.WriteString(strconv.FormatInt(v.Int(), 10))
	case reflect.Bool:
		b.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.Pointer:
		b.WriteString("&")
		writeValue(b, v.Elem(), true)
	case reflect.Slice:
		if typed {
			b.WriteString(typeName(v.Type()))
		}
		b.WriteString("{")
		for i := range v.Len() {
			if i > 0 {
				b.WriteString(", ")
			}
			writeValue(b, v.Index(i), false)
		}
		b.WriteString("}")
	case reflect.Map:
		if typed {
			b.WriteString(typeName(v.Type()))
		}
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		b.WriteString("{")
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			writeValue(b, k, true)
			b.WriteString(": ")
			writeValue(b, v.MapIndex(k), true)
		}
		b.WriteString("}")
	case reflect.Struct:
		if typed {
			b.WriteString(typeName(v.Type()))
		}
		b.WriteString("{")
		first := true
		for i := range v.NumField() {
			if v.Field(i).IsZero() {
				continue
			}
			if !first {
				b.WriteString(", ")
			}
			first = false
			b.WriteString(v.Type().Field(i).Name + ": ")
			writeValue(b, v.Field(i), true)
		}
		b.WriteString("}")
	default:
		panic(fmt.Sprintf("scale: cannot write a %s as Go", v.Kind()))
	}
}

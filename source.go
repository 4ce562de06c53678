package main

import "embed"

// source is the module's source as this program was built from it: the
// synthesis cache fingerprints the code with it (synth.Fingerprint), so
// a cache entry is reused only by a program built from the same code,
// whatever is on disk when it runs. Every directory holding Go code must
// be listed; TestSourceHoldsEveryGoFile fails when one is missing.
//
//go:embed go.mod go.sum package-lock.json *.go applied awsrules cis clients config constructs contract deploy stacks testkit tools
var source embed.FS

//go:build tools

// Package tools pins the YAML language host (pulumi-language-yaml) that
// scripts/install-pulumi builds next to the CLI, for Pulumi YAML programs that
// use the native plugin pulumi-resource-alertsite:
//
//	go build -trimpath -o <bin>/pulumi-language-yaml github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml
//
// It is a module of its own because pulumi-yaml v1.25.0 needs pulumi pkg/sdk
// v3.206.0 while the CLI is v3.260.0; the build tag keeps this file out of every
// normal build, and the import only makes `go mod tidy` record the host's
// dependency graph in go.sum.
package tools

import _ "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml"

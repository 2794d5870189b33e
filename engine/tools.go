//go:build tools

// Package tools pins the Pulumi CLI that scripts/install-pulumi builds:
//
//	go build -trimpath -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v3.260.0" \
//	    -o <bin>/pulumi github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
//
// The build tag keeps this file out of every normal build; the imports only
// make `go mod tidy` record the CLI's complete dependency graph in go.sum.
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
	_ "github.com/pulumi/pulumi/sdk/v3/go/common/version"
)

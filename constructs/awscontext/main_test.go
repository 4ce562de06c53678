package awscontext

import (
	"testing"

	"stratum/testkit/testmain"
)

func TestMain(m *testing.M) { testmain.Run(m) }

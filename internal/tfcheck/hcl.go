package tfcheck

// PreparedHCL is the scratch copy of a stack's HCL rendering.
type PreparedHCL struct {
	HCL []byte
}

func prepareHCL(stack string, src []byte, o prepareOptions) (*PreparedHCL, error) {
	return &PreparedHCL{HCL: src}, nil
}

package sigv4

import "testing"

func TestValidRegion(t *testing.T) {
	for region, want := range map[string]bool{
		"us-east-1": true, "eu-central-2": true, "us-gov-west-1": true, "cn-northwest-1": true,
		"eusc-de-east-1": true, "ap-southeast-7": true, "us-isob-east-1": true,
		"": false, "..": false, ".": false, "us-east": false, "US-EAST-1": false, "us_east_1": false,
		"us-east-1a": false, "-us-east-1": false, "us--east-1": false, "us-east-1-": false,
		"local": false, "us-east-1/..": false, "1-2-3": false, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-1": false,
	} {
		if got := ValidRegion(region); got != want {
			t.Errorf("ValidRegion(%q) = %v, want %v", region, got, want)
		}
	}
}

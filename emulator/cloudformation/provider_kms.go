// This file provisions AWS KMS resources: AWS::KMS::Key and
// AWS::KMS::Alias (AWS CloudFormation User Guide, "AWS::KMS::Key",
// "AWS::KMS::Alias").

package cloudformation

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
)

func init() {
	register("AWS::KMS::Key", provider{
		known: []string{"KeyPolicy", "Description", "Enabled", "EnableKeyRotation", "PendingWindowInDays", "Tags",
			"KeySpec", "KeyUsage", "MultiRegion", "Origin", "BypassPolicyLockoutSafetyCheck", "RotationPeriodInDays"},
		replaceOn: []string{"KeySpec", "KeyUsage", "MultiRegion", "Origin"},
		create:    createKMSKey,
		update:    updateKMSKey,
		delete: func(ctx context.Context, d *deployer, st *stack, r *resource) error {
			// A stack's deletion schedules the key's deletion, after
			// PendingWindowInDays (30 by default), as CloudFormation does.
			window, err := props(r.Props).i32p("PendingWindowInDays")
			if err != nil {
				return err
			}
			_, err = d.kms.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(r.PhysicalID), PendingWindowInDays: window})
			return ignoreCodes(err, "NotFoundException", "KMSInvalidStateException")
		},
	})
	register("AWS::KMS::Alias", provider{
		known:     []string{"AliasName", "TargetKeyId"},
		required:  []string{"AliasName", "TargetKeyId"},
		replaceOn: []string{"AliasName"},
		create: func(ctx context.Context, d *deployer, st *stack, id string, p props) (string, map[string]any, error) {
			name := p.str("AliasName")
			if _, err := d.kms.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(name), TargetKeyId: aws.String(p.str("TargetKeyId"))}); err != nil {
				return "", nil, err
			}
			return name, map[string]any{}, nil
		},
		update: func(ctx context.Context, d *deployer, st *stack, r *resource, p props) (map[string]any, error) {
			_, err := d.kms.UpdateAlias(ctx, &kms.UpdateAliasInput{AliasName: aws.String(r.PhysicalID), TargetKeyId: aws.String(p.str("TargetKeyId"))})
			return nil, err
		},
		delete: func(ctx context.Context, d *deployer, st *stack, r *resource) error {
			_, err := d.kms.DeleteAlias(ctx, &kms.DeleteAliasInput{AliasName: aws.String(r.PhysicalID)})
			return ignoreCodes(err, "NotFoundException")
		},
	})
}

func kmsTags(p props) []kmstypes.Tag {
	var out []kmstypes.Tag
	for _, t := range p.objs("Tags") {
		out = append(out, kmstypes.Tag{TagKey: aws.String(t.str("Key")), TagValue: aws.String(t.str("Value"))})
	}
	return out
}

// createKMSKey creates the key (KeyPolicy, or the default key policy when
// absent), then disables it when Enabled is false and turns rotation on
// when EnableKeyRotation is true. Ref is the key id; Fn::GetAtt gives Arn
// and KeyId.
func createKMSKey(ctx context.Context, d *deployer, st *stack, id string, p props) (string, map[string]any, error) {
	in := &kms.CreateKeyInput{Description: p.strp("Description"), Tags: kmsTags(p)}
	if pol := p.doc("KeyPolicy"); pol != "" {
		in.Policy = aws.String(pol)
	}
	if v := p.str("KeySpec"); v != "" {
		in.KeySpec = kmstypes.KeySpec(v)
	}
	if v := p.str("KeyUsage"); v != "" {
		in.KeyUsage = kmstypes.KeyUsageType(v)
	}
	if v := p.str("Origin"); v != "" {
		in.Origin = kmstypes.OriginType(v)
	}
	multi, err := p.boolp("MultiRegion")
	if err != nil {
		return "", nil, err
	}
	in.MultiRegion = multi
	bypass, err := p.boolp("BypassPolicyLockoutSafetyCheck")
	if err != nil {
		return "", nil, err
	}
	in.BypassPolicyLockoutSafetyCheck = aws.ToBool(bypass)
	if _, err := p.i32p("PendingWindowInDays"); err != nil {
		return "", nil, err
	}
	out, err := d.kms.CreateKey(ctx, in)
	if err != nil {
		return "", nil, err
	}
	keyID := aws.ToString(out.KeyMetadata.KeyId)
	if err := applyKMSKeySettings(ctx, d, keyID, nil, p); err != nil {
		d.kms.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(keyID), PendingWindowInDays: aws.Int32(7)})
		return "", nil, err
	}
	return keyID, map[string]any{"Arn": aws.ToString(out.KeyMetadata.Arn), "KeyId": keyID}, nil
}

// applyKMSKeySettings brings Enabled and EnableKeyRotation to p's values
// (from old's, nil for a new key).
func applyKMSKeySettings(ctx context.Context, d *deployer, keyID string, old, p props) error {
	enabled, err := p.boolp("Enabled")
	if err != nil {
		return err
	}
	wasEnabled := true
	if old != nil {
		if v, _ := old.boolp("Enabled"); v != nil {
			wasEnabled = *v
		}
	}
	if now := enabled == nil || *enabled; now != wasEnabled {
		if now {
			_, err = d.kms.EnableKey(ctx, &kms.EnableKeyInput{KeyId: aws.String(keyID)})
		} else {
			_, err = d.kms.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(keyID)})
		}
		if err != nil {
			return err
		}
	}
	rot, err := p.boolp("EnableKeyRotation")
	if err != nil {
		return err
	}
	var wasRot *bool
	if old != nil {
		wasRot, _ = old.boolp("EnableKeyRotation")
	}
	if aws.ToBool(rot) != aws.ToBool(wasRot) {
		if aws.ToBool(rot) {
			_, err = d.kms.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: aws.String(keyID)})
		} else {
			_, err = d.kms.DisableKeyRotation(ctx, &kms.DisableKeyRotationInput{KeyId: aws.String(keyID)})
		}
	}
	return err
}

func updateKMSKey(ctx context.Context, d *deployer, st *stack, r *resource, p props) (map[string]any, error) {
	old, keyID := props(r.Props), r.PhysicalID
	if changed(old, p, "Description") {
		if _, err := d.kms.UpdateKeyDescription(ctx, &kms.UpdateKeyDescriptionInput{KeyId: aws.String(keyID), Description: aws.String(p.str("Description"))}); err != nil {
			return nil, err
		}
	}
	if changed(old, p, "KeyPolicy") {
		pol := p.doc("KeyPolicy")
		if pol == "" {
			return nil, fmt.Errorf("KeyPolicy cannot be removed from an existing key; give the policy it should have")
		}
		bypass, _ := p.boolp("BypassPolicyLockoutSafetyCheck")
		if _, err := d.kms.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(keyID), PolicyName: aws.String("default"), Policy: aws.String(pol),
			BypassPolicyLockoutSafetyCheck: aws.ToBool(bypass)}); err != nil {
			return nil, err
		}
	}
	if err := applyKMSKeySettings(ctx, d, keyID, old, p); err != nil {
		return nil, err
	}
	if changed(old, p, "Tags") {
		had := map[string]bool{}
		for _, t := range old.objs("Tags") {
			had[t.str("Key")] = true
		}
		for _, t := range p.objs("Tags") {
			delete(had, t.str("Key"))
		}
		var gone []string
		for k := range had {
			gone = append(gone, k)
		}
		if len(gone) > 0 {
			if _, err := d.kms.UntagResource(ctx, &kms.UntagResourceInput{KeyId: aws.String(keyID), TagKeys: gone}); err != nil {
				return nil, err
			}
		}
		if tags := kmsTags(p); len(tags) > 0 {
			if _, err := d.kms.TagResource(ctx, &kms.TagResourceInput{KeyId: aws.String(keyID), Tags: tags}); err != nil {
				return nil, err
			}
		}
	}
	return nil, nil
}

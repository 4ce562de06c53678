terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 5.0" }
  }
}
provider "aws" {
  region = "us-east-1"
  access_key = "x"
  secret_key = "x"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  default_tags { tags = { Project = "stratum", ManagedBy = "cdktf", Environment = "prod", Layer = "databases", Client = "ezra", CostCentre = "cc-1" } }
}
resource "aws_vpc_security_group_ingress_rule" "open" {
  security_group_id = "sg-0123456789abcdef0"
  cidr_ipv4 = "0.0.0.0/0"
  ip_protocol = "tcp"
  from_port = 443
  to_port = 443
}
resource "aws_s3_bucket" "data" {
  bucket = "stratum-prod-ezra-data"
}
resource "aws_s3_bucket_public_access_block" "data" {
  bucket = aws_s3_bucket.data.id
  block_public_acls = true
  block_public_policy = true
  ignore_public_acls = true
  restrict_public_buckets = true
}
resource "aws_s3_bucket_server_side_encryption_configuration" "data" {
  bucket = aws_s3_bucket.data.id
  rule {
    apply_server_side_encryption_by_default { sse_algorithm = "aws:kms" }
  }
}
data "aws_iam_policy_document" "trust" {
  statement {
    sid = "ServiceAccountWebIdentity"
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type = "Federated"
      identifiers = ["arn:aws:iam::111111111111:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"]
    }
    condition {
      test = "StringEquals"
      variable = "oidc.eks.us-east-1.amazonaws.com/id/ABC:aud"
      values = ["sts.amazonaws.com"]
    }
    condition {
      test = "StringLike"
      variable = "oidc.eks.us-east-1.amazonaws.com/id/ABC:sub"
      values = ["system:serviceaccount:ezra:*"]
    }
  }
}
resource "aws_iam_role" "app" {
  name = "stratum-prod-ezra-app"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}

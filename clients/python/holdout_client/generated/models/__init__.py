"""Contains all the data models used in inputs/outputs"""

from .approval_decision import ApprovalDecision
from .approval_read import ApprovalRead
from .approval_read_state import ApprovalReadState
from .board_reproduction_create import BoardReproductionCreate
from .board_reproductions import BoardReproductions
from .competition_create import CompetitionCreate
from .competition_create_model_source import CompetitionCreateModelSource
from .competition_read import CompetitionRead
from .competition_read_model_source import CompetitionReadModelSource
from .competition_update import CompetitionUpdate
from .competition_update_model_source_type_0 import CompetitionUpdateModelSourceType0
from .compute_usage import ComputeUsage
from .data_file_read import DataFileRead
from .execution_record import ExecutionRecord
from .export_leaderboard_csv_board import ExportLeaderboardCsvBoard
from .failure_reason import FailureReason
from .field_error import FieldError
from .file_kind import FileKind
from .final_selection_read import FinalSelectionRead
from .final_selection_update import FinalSelectionUpdate
from .labels_read import LabelsRead
from .leaderboard import Leaderboard
from .leaderboard_board import LeaderboardBoard
from .leaderboard_column import LeaderboardColumn
from .leaderboard_entry import LeaderboardEntry
from .leaderboard_entry_scores import LeaderboardEntryScores
from .limits import Limits
from .limits_patch import LimitsPatch
from .list_teams_approval_type_0 import ListTeamsApprovalType0
from .list_webhook_deliveries_status_type_0 import ListWebhookDeliveriesStatusType0
from .log_in import LogIn
from .page_competition_read import PageCompetitionRead
from .page_participant_file_read import PageParticipantFileRead
from .page_rescore_read import PageRescoreRead
from .page_runtime_change_read import PageRuntimeChangeRead
from .page_runtime_summary import PageRuntimeSummary
from .page_stage_read import PageStageRead
from .page_submission_read import PageSubmissionRead
from .page_team_read import PageTeamRead
from .page_token_read import PageTokenRead
from .page_user_read import PageUserRead
from .page_webhook_delivery_read import PageWebhookDeliveryRead
from .page_webhook_read import PageWebhookRead
from .participant_file_read import ParticipantFileRead
from .problem import Problem
from .queue_position import QueuePosition
from .quota_counter import QuotaCounter
from .quota_read import QuotaRead
from .reproduction_create import ReproductionCreate
from .reproduction_report import ReproductionReport
from .reproduction_report_kind import ReproductionReportKind
from .rescore_read import RescoreRead
from .rescore_read_scoring import RescoreReadScoring
from .resources import Resources
from .rules_acceptance_read import RulesAcceptanceRead
from .run_result import RunResult
from .run_result_private_scores import RunResultPrivateScores
from .run_result_public_scores import RunResultPublicScores
from .runtime_change_read import RuntimeChangeRead
from .runtime_package import RuntimePackage
from .runtime_pin import RuntimePin
from .runtime_read import RuntimeRead
from .runtime_summary import RuntimeSummary
from .score_column import ScoreColumn
from .score_column_body import ScoreColumnBody
from .scoring_program_read import ScoringProgramRead
from .scoring_trial_read import ScoringTrialRead
from .scoring_trial_read_private import ScoringTrialReadPrivate
from .scoring_trial_read_public import ScoringTrialReadPublic
from .sign_up import SignUp
from .spread import Spread
from .spread_board import SpreadBoard
from .stage_create import StageCreate
from .stage_create_feed_type_0 import StageCreateFeedType0
from .stage_create_kind_type_0 import StageCreateKindType0
from .stage_read import StageRead
from .stage_read_feed_type_0 import StageReadFeedType0
from .stage_read_kind import StageReadKind
from .stage_summary import StageSummary
from .stage_summary_feed_type_0 import StageSummaryFeedType0
from .stage_summary_kind import StageSummaryKind
from .stage_update import StageUpdate
from .stage_update_feed_type_0 import StageUpdateFeedType0
from .stage_update_kind_type_0 import StageUpdateKindType0
from .submission_read import SubmissionRead
from .submission_read_purpose import SubmissionReadPurpose
from .submission_status import SubmissionStatus
from .team_create import TeamCreate
from .team_join import TeamJoin
from .team_read import TeamRead
from .token_create import TokenCreate
from .token_created import TokenCreated
from .token_read import TokenRead
from .upload_scoring_program_body import UploadScoringProgramBody
from .user_create import UserCreate
from .user_created import UserCreated
from .user_read import UserRead
from .user_update import UserUpdate
from .verdict import Verdict
from .webhook_create import WebhookCreate
from .webhook_create_event_types_item import WebhookCreateEventTypesItem
from .webhook_created import WebhookCreated
from .webhook_delivery_read import WebhookDeliveryRead
from .webhook_delivery_read_payload import WebhookDeliveryReadPayload
from .webhook_delivery_read_status import WebhookDeliveryReadStatus
from .webhook_read import WebhookRead
from .webhook_update import WebhookUpdate
from .webhook_update_event_types_type_0_item import WebhookUpdateEventTypesType0Item

__all__ = (
    "ApprovalDecision",
    "ApprovalRead",
    "ApprovalReadState",
    "BoardReproductionCreate",
    "BoardReproductions",
    "CompetitionCreate",
    "CompetitionCreateModelSource",
    "CompetitionRead",
    "CompetitionReadModelSource",
    "CompetitionUpdate",
    "CompetitionUpdateModelSourceType0",
    "ComputeUsage",
    "DataFileRead",
    "ExecutionRecord",
    "ExportLeaderboardCsvBoard",
    "FailureReason",
    "FieldError",
    "FileKind",
    "FinalSelectionRead",
    "FinalSelectionUpdate",
    "LabelsRead",
    "Leaderboard",
    "LeaderboardBoard",
    "LeaderboardColumn",
    "LeaderboardEntry",
    "LeaderboardEntryScores",
    "Limits",
    "LimitsPatch",
    "ListTeamsApprovalType0",
    "ListWebhookDeliveriesStatusType0",
    "LogIn",
    "PageCompetitionRead",
    "PageParticipantFileRead",
    "PageRescoreRead",
    "PageRuntimeChangeRead",
    "PageRuntimeSummary",
    "PageStageRead",
    "PageSubmissionRead",
    "PageTeamRead",
    "PageTokenRead",
    "PageUserRead",
    "PageWebhookDeliveryRead",
    "PageWebhookRead",
    "ParticipantFileRead",
    "Problem",
    "QueuePosition",
    "QuotaCounter",
    "QuotaRead",
    "ReproductionCreate",
    "ReproductionReport",
    "ReproductionReportKind",
    "RescoreRead",
    "RescoreReadScoring",
    "Resources",
    "RulesAcceptanceRead",
    "RunResult",
    "RunResultPrivateScores",
    "RunResultPublicScores",
    "RuntimeChangeRead",
    "RuntimePackage",
    "RuntimePin",
    "RuntimeRead",
    "RuntimeSummary",
    "ScoreColumn",
    "ScoreColumnBody",
    "ScoringProgramRead",
    "ScoringTrialRead",
    "ScoringTrialReadPrivate",
    "ScoringTrialReadPublic",
    "SignUp",
    "Spread",
    "SpreadBoard",
    "StageCreate",
    "StageCreateFeedType0",
    "StageCreateKindType0",
    "StageRead",
    "StageReadFeedType0",
    "StageReadKind",
    "StageSummary",
    "StageSummaryFeedType0",
    "StageSummaryKind",
    "StageUpdate",
    "StageUpdateFeedType0",
    "StageUpdateKindType0",
    "SubmissionRead",
    "SubmissionReadPurpose",
    "SubmissionStatus",
    "TeamCreate",
    "TeamJoin",
    "TeamRead",
    "TokenCreate",
    "TokenCreated",
    "TokenRead",
    "UploadScoringProgramBody",
    "UserCreate",
    "UserCreated",
    "UserRead",
    "UserUpdate",
    "Verdict",
    "WebhookCreate",
    "WebhookCreateEventTypesItem",
    "WebhookCreated",
    "WebhookDeliveryRead",
    "WebhookDeliveryReadPayload",
    "WebhookDeliveryReadStatus",
    "WebhookRead",
    "WebhookUpdate",
    "WebhookUpdateEventTypesType0Item",
)

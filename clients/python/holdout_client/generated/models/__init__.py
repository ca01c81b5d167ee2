"""Contains all the data models used in inputs/outputs"""

from .competition_create import CompetitionCreate
from .competition_read import CompetitionRead
from .competition_update import CompetitionUpdate
from .data_file_read import DataFileRead
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
from .log_in import LogIn
from .page_competition_read import PageCompetitionRead
from .page_participant_file_read import PageParticipantFileRead
from .page_rescore_read import PageRescoreRead
from .page_submission_read import PageSubmissionRead
from .page_team_read import PageTeamRead
from .page_token_read import PageTokenRead
from .page_user_read import PageUserRead
from .participant_file_read import ParticipantFileRead
from .problem import Problem
from .quota_counter import QuotaCounter
from .quota_read import QuotaRead
from .rescore_read import RescoreRead
from .rescore_read_scoring import RescoreReadScoring
from .resources import Resources
from .rules_acceptance_read import RulesAcceptanceRead
from .scoring_program_read import ScoringProgramRead
from .scoring_trial_read import ScoringTrialRead
from .scoring_trial_read_private import ScoringTrialReadPrivate
from .scoring_trial_read_public import ScoringTrialReadPublic
from .sign_up import SignUp
from .submission_read import SubmissionRead
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

__all__ = (
    "CompetitionCreate",
    "CompetitionRead",
    "CompetitionUpdate",
    "DataFileRead",
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
    "LogIn",
    "PageCompetitionRead",
    "PageParticipantFileRead",
    "PageRescoreRead",
    "PageSubmissionRead",
    "PageTeamRead",
    "PageTokenRead",
    "PageUserRead",
    "ParticipantFileRead",
    "Problem",
    "QuotaCounter",
    "QuotaRead",
    "RescoreRead",
    "RescoreReadScoring",
    "Resources",
    "RulesAcceptanceRead",
    "ScoringProgramRead",
    "ScoringTrialRead",
    "ScoringTrialReadPrivate",
    "ScoringTrialReadPublic",
    "SignUp",
    "SubmissionRead",
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
)

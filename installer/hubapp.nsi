; Windows installer for hubapp (Local Focus Hub): NSIS 3, Modern UI 2.
;
; Build the one-folder bundle first (scripts/build-bundle, on Windows), then:
;
;   makensis /DDIST_DIR=C:\path\to\dist\hubapp /DVERSION=0.1.0 installer\hubapp.nsi
;
;   makensis -DDIST_DIR=dist/hubapp -DVERSION=0.1.0 installer/hubapp.nsi   (Linux: -D, not /D)
;
; A relative DIST_DIR is taken from the top of the checkout. Optional: /DOUTFILE=C:\full\path
; (default: hubapp-VERSION-setup.exe beside DIST_DIR); /DNOCOMPRESS for a quick, uncompressed
; build (compile checks only).
;
; Installs for every account on the PC (needs an administrator) into Program Files\hubapp,
; with a Start-menu shortcut and, if chosen, one on the desktop. Optionally (page "Data
; folder") it makes a data folder shared by all Windows accounts:
;   C:\ProgramData\Cumbria Local Focus Hubs\hubapp   (Users: modify)
; and points the machine-wide variable HUBAPP_DATA_DIR at it; hubapp keeps its database
; there instead of in each account's own AppData folder (see hubapp/paths.py).
;
;
; Silent install (IT: Intune, Configuration Manager; docs/deployment.md):
;   hubapp-VERSION-setup.exe /S [/SHAREDDATA=1|0] [/DATADIR=D:\Hub data] [/DESKTOP=1|0]
;       [/HUB=SLK] [/STATION=Kendal Police Station] [/CENTRALSERVER=host[:port]/database]
;       [/D=C:\other\folder]   (/D last, as NSIS wants it)
; /DATADIR= shares that folder instead of the one under ProgramData (and implies /SHAREDDATA=1).
; /HUB=, /STATION= and /CENTRALSERVER= become the machine-wide HUBAPP_HUB, HUBAPP_STATION and
; HUBAPP_CENTRAL_SERVER (hubapp/settings.py); an empty value (/HUB=) removes one. None holds a
; secret: the central password is pasted once by the hub's administrator into the keyring.
; An upgrade keeps every choice made before unless the command line changes it.
; Uninstall removes the program and the variables, never the data folder (it holds case data).

Unicode true
Target amd64-unicode
ManifestDPIAware true
ManifestSupportedOS all
RequestExecutionLevel admin
!ifdef NOCOMPRESS
  SetCompress off  ; /DNOCOMPRESS: a quick compile check (tests), not for release
!else
  SetCompressor /SOLID lzma
!endif

!ifndef DIST_DIR
  !error "Give the bundle folder: makensis /DDIST_DIR=...\dist\hubapp /DVERSION=x.y.z hubapp.nsi"
!endif
!ifndef VERSION
  !error "Give the version: makensis /DVERSION=x.y.z (the bundle's 'hubapp --version')"
!endif
; makensis works in this file's folder, so a relative DIST_DIR (dist/hubapp, as in the README)
; is taken from the top of the checkout.
!if /FileExists "${DIST_DIR}/hubapp.exe"
  !define BUNDLE "${DIST_DIR}"
!else if /FileExists "${DIST_DIR}/hubapp"
  !define BUNDLE "${DIST_DIR}"
!else if /FileExists "../${DIST_DIR}/hubapp.exe"
  !define BUNDLE "../${DIST_DIR}"
!else if /FileExists "../${DIST_DIR}/hubapp"
  !define BUNDLE "../${DIST_DIR}"
!else
  !error "No bundle in ${DIST_DIR} (no hubapp.exe there): run scripts/build-bundle first"
!endif
!ifndef OUTFILE
  !define OUTFILE "${BUNDLE}/../hubapp-${VERSION}-setup.exe"
!endif

; "1.2.3", "1.2.3.dev4" -> 1.2.3.0 for the file's version resource
!searchparse /noerrors "${VERSION}.0.0." "" V_MAJOR "." V_MINOR "." V_PATCH "."
!define FILE_VERSION "${V_MAJOR}.${V_MINOR}.${V_PATCH}.0"

!define APP_NAME "hubapp"
!define APP_DISPLAY_NAME "Local Focus Hub"
!define ORG_NAME "Cumbria Local Focus Hubs"
!define GUI_EXE "hubappw.exe"
!define CLI_EXE "hubapp.exe"
!define SHORTCUT "${APP_DISPLAY_NAME}.lnk"
!define APP_KEY "Software\${ORG_NAME}\${APP_NAME}"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP_NAME}"
!define ENV_KEY "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"
!define DATA_ENV "HUBAPP_DATA_DIR"
!define HUB_ENV "HUBAPP_HUB"
!define STATION_ENV "HUBAPP_STATION"
!define SERVER_ENV "HUBAPP_CENTRAL_SERVER"
; BUILTIN\Users by its SID, so that it works on Windows in any language
!define USERS_SID "*S-1-5-32-545"

!include MUI2.nsh
!include LogicLib.nsh
!include FileFunc.nsh
!include WinMessages.nsh
!include WinVer.nsh
!include x64.nsh
!include nsDialogs.nsh

Name "${APP_DISPLAY_NAME}"
Caption "${APP_DISPLAY_NAME} ${VERSION} Setup"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\${APP_NAME}"
InstallDirRegKey HKLM "${APP_KEY}" "InstallDir"
BrandingText "${ORG_NAME}"
ShowInstDetails show
ShowUninstDetails show

VIProductVersion "${FILE_VERSION}"
VIFileVersion "${FILE_VERSION}"
VIAddVersionKey /LANG=2057 "ProductName" "${APP_DISPLAY_NAME}"
VIAddVersionKey /LANG=2057 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=2057 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=2057 "CompanyName" "${ORG_NAME}"
VIAddVersionKey /LANG=2057 "FileDescription" "${APP_DISPLAY_NAME} ${VERSION} Setup"
VIAddVersionKey /LANG=2057 "LegalCopyright" "${ORG_NAME}"

Var SharedData        ; 1: make the shared data folder and set HUBAPP_DATA_DIR
Var DataDir           ; C:\ProgramData\Cumbria Local Focus Hubs\hubapp
Var SharedCheckbox

; /NAME=value on the command line -> the machine-wide variable ENV (empty: removed); without
; /NAME= the variable is left as an earlier install set it.
!macro PresetFromCommandLine OPT VAR
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/${OPT}=" $R1
  ${IfNot} ${Errors}
    ${If} $R1 == ""
      DeleteRegValue HKLM "${ENV_KEY}" "${VAR}"
    ${Else}
      DetailPrint "${VAR}=$R1"
      WriteRegStr HKLM "${ENV_KEY}" "${VAR}" "$R1"
    ${EndIf}
  ${EndIf}
!macroend

; -- pages ----------------------------------------------------------------------------------
!define MUI_ICON "../resources/icons/hubapp.ico"
!define MUI_UNICON "../resources/icons/hubapp.ico"
!define MUI_WELCOMEFINISHPAGE_BITMAP "wizard.bmp"  ; made by make_icons.py
!define MUI_UNWELCOMEFINISHPAGE_BITMAP "wizard.bmp"
!define MUI_ABORTWARNING
!define MUI_ABORTWARNING_TEXT "Are you sure you want to stop installing ${APP_DISPLAY_NAME}?"
!define MUI_UNABORTWARNING

!define MUI_WELCOMEPAGE_TEXT "This will install ${APP_DISPLAY_NAME} ${VERSION} for every Windows account on this PC.$\r$\n$\r$\nClose ${APP_DISPLAY_NAME} in every account that has it open before you carry on.$\r$\n$\r$\nClick Next to continue."
!insertmacro MUI_PAGE_WELCOME
!define MUI_COMPONENTSPAGE_NODESC
!define MUI_COMPONENTSPAGE_TEXT_TOP "Tick what you want installed and untick what you do not. Click Next to continue."
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_DIRECTORY
Page custom DataPageCreate DataPageLeave
!insertmacro MUI_PAGE_INSTFILES
!define MUI_FINISHPAGE_TEXT "${APP_DISPLAY_NAME} has been installed. Open it from the Start menu.$\r$\n$\r$\nThe first time it starts it asks which hub and station this PC belongs to.$\r$\n$\r$\nIf you changed the shared data folder setting, anyone signed in to another account on this PC must sign out and back in before it applies to them."
!insertmacro MUI_PAGE_FINISH

!define MUI_WELCOMEPAGE_TITLE "Remove ${APP_DISPLAY_NAME}"
!define MUI_WELCOMEPAGE_TEXT "This removes the ${APP_DISPLAY_NAME} program from this PC, for every Windows account.$\r$\n$\r$\nThe hub database is NOT removed: it holds case data. It stays in the shared data folder (ProgramData\${ORG_NAME}\${APP_NAME}), if this PC has one, and in each account's AppData\Local\${ORG_NAME}\${APP_NAME} folder. Delete it by hand only when your information-retention policy allows.$\r$\n$\r$\nClose ${APP_DISPLAY_NAME} in every account before you carry on."
!insertmacro MUI_UNPAGE_WELCOME
!define MUI_UNCONFIRMPAGE_TEXT_TOP "${APP_DISPLAY_NAME} will be removed. The hub database and the data folder are kept: they hold case data."
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"

; -- installer ------------------------------------------------------------------------------

Function DataPageCreate
  !insertmacro MUI_HEADER_TEXT "Data folder" "Where ${APP_DISPLAY_NAME} keeps the hub database on this PC."
  nsDialogs::Create 1018
  Pop $0
  ${If} $0 == error
    Abort
  ${EndIf}
  ${NSD_CreateCheckbox} 0 0 100% 12u "Shared data folder for all Windows accounts on this PC"
  Pop $SharedCheckbox
  ${If} $SharedData == 1
    ${NSD_Check} $SharedCheckbox
  ${EndIf}
  ${NSD_CreateLabel} 12u 18u -12u 58u "Tick this on a station PC that several people use with their own Windows accounts, so that they all work on the same hub database. The database goes in:$\r$\n$\r$\n$DataDir$\r$\n$\r$\nand every account on this PC (the local Users group) may change it. Only tick it on a PC that just hub staff can sign in to."
  Pop $0
  ${NSD_CreateLabel} 12u 80u -12u 40u "Leave it unticked and each Windows account keeps its own database in its own AppData folder.$\r$\n$\r$\nUnticking it on a PC that already shares stops the sharing; the shared folder and its database are kept."
  Pop $0
  nsDialogs::Show
FunctionEnd

Function DataPageLeave
  ${NSD_GetState} $SharedCheckbox $0
  ${If} $0 == ${BST_CHECKED}
    StrCpy $SharedData 1
  ${Else}
    StrCpy $SharedData 0
  ${EndIf}
FunctionEnd

; The bundle cannot be replaced while hubapp runs (in this or another account). Opening a
; running .exe for writing fails; the file itself is left as it is.
!macro IsRunning un
Function ${un}IsRunning  ; pushes 1 if hubapp.exe or hubappw.exe is in use, else 0
  StrCpy $R9 0
  ${If} ${FileExists} "$INSTDIR\${GUI_EXE}"
    ClearErrors
    FileOpen $R8 "$INSTDIR\${GUI_EXE}" a
    ${If} ${Errors}
      StrCpy $R9 1
    ${Else}
      FileClose $R8
    ${EndIf}
  ${EndIf}
  ${If} ${FileExists} "$INSTDIR\${CLI_EXE}"
    ClearErrors
    FileOpen $R8 "$INSTDIR\${CLI_EXE}" a
    ${If} ${Errors}
      StrCpy $R9 1
    ${Else}
      FileClose $R8
    ${EndIf}
  ${EndIf}
  Push $R9
FunctionEnd
!macroend
!insertmacro IsRunning ""
!insertmacro IsRunning "un."

Function CheckNotRunning
  retry:
  Call IsRunning
  Pop $0
  ${If} $0 == 1
    MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION "${APP_DISPLAY_NAME} is still open, perhaps in another Windows account on this PC.$\r$\n$\r$\nClose it everywhere (or sign the other accounts out), then click Retry." /SD IDCANCEL IDRETRY retry
    Abort "${APP_DISPLAY_NAME} is still open; nothing was changed."
  ${EndIf}
FunctionEnd

Section "${APP_DISPLAY_NAME} (required)" SecApp
  SectionIn RO
  SetOutPath "$INSTDIR"
  Call CheckNotRunning
  ; An upgrade must not leave old modules or migrations behind: Alembic reads every file in
  ; the migrations folder. Remove the previous bundle's files (never the data folder).
  RMDir /r "$INSTDIR\_internal"
  File /r "${BUNDLE}/*"

  WriteUninstaller "$INSTDIR\uninstall.exe"
  CreateShortCut "$SMPROGRAMS\${SHORTCUT}" "$INSTDIR\${GUI_EXE}" "" "$INSTDIR\${GUI_EXE}" 0 \
    SW_SHOWNORMAL "" "Case work for the Local Focus Hubs of Cumbria"

  WriteRegStr HKLM "${APP_KEY}" "InstallDir" "$INSTDIR"
  WriteRegStr HKLM "${APP_KEY}" "Version" "${VERSION}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayName" "${APP_DISPLAY_NAME}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "Publisher" "${ORG_NAME}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\${GUI_EXE},0"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "EstimatedSize" "$0"
SectionEnd

Section "Desktop shortcut" SecDesktop
  CreateShortCut "$DESKTOP\${SHORTCUT}" "$INSTDIR\${GUI_EXE}" "" "$INSTDIR\${GUI_EXE}" 0 \
    SW_SHOWNORMAL "" "Case work for the Local Focus Hubs of Cumbria"
SectionEnd

Section "-Data folder" SecData
  ${If} $SharedData == 1
    DetailPrint "Shared data folder: $DataDir"
    CreateDirectory "$DataDir"
    ${IfNot} ${FileExists} "$DataDir\*.*"
      MessageBox MB_OK|MB_ICONSTOP "Could not create the shared data folder $DataDir." /SD IDOK
      Abort "Could not create $DataDir."
    ${EndIf}
    ; Users may create and change files here, and the files they create inherit the same
    ; right, so the database, its journal and backups stay usable from every account.
    nsExec::ExecToLog '"$SYSDIR\icacls.exe" "$DataDir" /grant ${USERS_SID}:(OI)(CI)M /T /C /Q'
    Pop $0
    ${If} $0 != 0
      MessageBox MB_OK|MB_ICONEXCLAMATION "Could not give the Users group access to $DataDir (icacls said $0). Other accounts may not be able to open the database; ask IT to grant Users 'Modify' on that folder." /SD IDOK
    ${EndIf}
    WriteRegStr HKLM "${ENV_KEY}" "${DATA_ENV}" "$DataDir"
    WriteRegDWORD HKLM "${APP_KEY}" "SharedData" 1
    WriteRegStr HKLM "${APP_KEY}" "DataDir" "$DataDir"
  ${Else}
    ReadRegDWORD $0 HKLM "${APP_KEY}" "SharedData"
    ${If} $0 == 1
      DetailPrint "No longer sharing $DataDir (the folder and its database are kept)"
    ${EndIf}
    DeleteRegValue HKLM "${ENV_KEY}" "${DATA_ENV}"
    WriteRegDWORD HKLM "${APP_KEY}" "SharedData" 0
  ${EndIf}
  !insertmacro PresetFromCommandLine "HUB" "${HUB_ENV}"
  !insertmacro PresetFromCommandLine "STATION" "${STATION_ENV}"
  !insertmacro PresetFromCommandLine "CENTRALSERVER" "${SERVER_ENV}"
  ; Tell Explorer (and so programs started from now on) that the environment changed.
  SendMessage ${HWND_BROADCAST} ${WM_SETTINGCHANGE} 0 "STR:Environment" /TIMEOUT=5000
SectionEnd

; Defined after the sections: it refers to ${SecDesktop}.
Function .onInit
  ${IfNot} ${RunningX64}
  ${OrIfNot} ${AtLeastBuild} 17763
    MessageBox MB_OK|MB_ICONSTOP "${APP_DISPLAY_NAME} needs 64-bit Windows 10 (version 1809) or later." /SD IDOK
    Abort
  ${EndIf}
  SetShellVarContext all
  SetRegView 64
  StrCpy $DataDir "$APPDATA\${ORG_NAME}\${APP_NAME}"
  ; an upgrade keeps the shared folder chosen before (/DATADIR= then, or the default)
  ReadRegStr $0 HKLM "${APP_KEY}" "DataDir"
  ${If} $0 != ""
    StrCpy $DataDir $0
  ${EndIf}

  ; Default: as chosen last time on this PC; the command line overrides.
  ReadRegDWORD $SharedData HKLM "${APP_KEY}" "SharedData"
  ${If} $SharedData != 1
    StrCpy $SharedData 0
  ${EndIf}
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/SHAREDDATA=" $R1
  ${IfNot} ${Errors}
    ${If} $R1 == 1
      StrCpy $SharedData 1
    ${Else}
      StrCpy $SharedData 0
    ${EndIf}
  ${EndIf}
  ClearErrors
  ${GetOptions} $R0 "/DATADIR=" $R1
  ${IfNot} ${Errors}
  ${AndIf} $R1 != ""
    StrCpy $DataDir $R1
    StrCpy $SharedData 1
  ${EndIf}
  ClearErrors
  ${GetOptions} $R0 "/DESKTOP=" $R1
  ${IfNot} ${Errors}
  ${AndIf} $R1 == 0
    !insertmacro UnselectSection ${SecDesktop}
  ${EndIf}
FunctionEnd

; -- uninstaller ----------------------------------------------------------------------------
Function un.onInit
  SetShellVarContext all
  SetRegView 64
  StrCpy $DataDir "$APPDATA\${ORG_NAME}\${APP_NAME}"
  ReadRegStr $0 HKLM "${APP_KEY}" "DataDir"
  ${If} $0 != ""
    StrCpy $DataDir $0
  ${EndIf}
FunctionEnd

Section "Uninstall"
  Call un.IsRunning
  Pop $0
  ${If} $0 == 1
    MessageBox MB_OK|MB_ICONSTOP "${APP_DISPLAY_NAME} is still open, perhaps in another Windows account on this PC. Close it everywhere, then run the uninstaller again." /SD IDOK
    Abort "${APP_DISPLAY_NAME} is still open."
  ${EndIf}
  Delete "$SMPROGRAMS\${SHORTCUT}"
  Delete "$DESKTOP\${SHORTCUT}"

  ; Only what the installer put here: never RMDir /r "$INSTDIR" itself.
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${GUI_EXE}"
  Delete "$INSTDIR\${CLI_EXE}"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"

  DeleteRegValue HKLM "${ENV_KEY}" "${DATA_ENV}"
  DeleteRegValue HKLM "${ENV_KEY}" "${HUB_ENV}"
  DeleteRegValue HKLM "${ENV_KEY}" "${STATION_ENV}"
  DeleteRegValue HKLM "${ENV_KEY}" "${SERVER_ENV}"
  SendMessage ${HWND_BROADCAST} ${WM_SETTINGCHANGE} 0 "STR:Environment" /TIMEOUT=5000
  DeleteRegKey HKLM "${UNINSTALL_KEY}"
  DeleteRegKey HKLM "${APP_KEY}"
  DeleteRegKey /ifempty HKLM "Software\${ORG_NAME}"

  ${If} ${FileExists} "$DataDir\*.*"
    DetailPrint "Kept the shared data folder $DataDir (it holds case data)."
  ${EndIf}
SectionEnd
